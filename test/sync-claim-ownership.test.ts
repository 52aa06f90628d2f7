import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { DatabaseConfig } from "../src/config/config";
import { MemberEntity, RefreshQueueEntity, RefreshQueueRunEntity, SyncRunEntity } from "../src/db/entities";
import type { AmsSource, FetchedMembers } from "../src/sources/ams-source";
import { CursorStore } from "../src/sync/cursor-store";
import { FullLoad, type LoadCheckpoint } from "../src/sync/full-load";
import { mysqlConfig, sqliteConfig } from "./support/database";
import { memberRecord } from "./support/records";
import { QUIET, startSyncHarness, type SyncHarness } from "./support/sync-harness";

/** An AMS whose answers wait until the test lets each one go, in the order they were asked. */
class GatedAms implements AmsSource {
  readonly name = "gated";
  readonly maxBatchSize = 100;
  private readonly waiting: Array<{ keys: string[]; answer: (firstName: string) => void }> = [];
  private readonly asked: Array<() => void> = [];

  changedMembers(): never {
    throw new Error("not polled here");
  }
  changedEvents(): never {
    throw new Error("not polled here");
  }

  fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    return new Promise((resolve) => {
      this.waiting.push({
        keys: [...keys],
        answer: (firstName) => resolve({ members: keys.map((key) => memberRecord(key, { firstName })), missing: [], invalid: [] }),
      });
      this.asked.shift()?.();
    });
  }

  /** Resolves once `count` fetches are waiting. */
  async fetches(count: number): Promise<void> {
    while (this.waiting.length < count) await new Promise<void>((resolve) => this.asked.push(resolve));
  }

  /** The keys of the `index`th waiting fetch. */
  keysOf(index: number): string[] {
    return this.waiting[index]!.keys;
  }

  /** Answers the `index`th waiting fetch (0: the oldest) with records named `firstName`. */
  answer(index: number, firstName: string): void {
    this.waiting.splice(index, 1)[0]!.answer(firstName);
  }
}

const databases: Array<[string, () => DatabaseConfig]> = [
  ["MariaDB", mysqlConfig],
  ["SQLite", () => sqliteConfig(path.join(mkdtempSync(path.join(tmpdir(), "amsgate-claims-")), "cache.sqlite"))],
];

for (const [label, config] of databases) {
  describe(`claims settle only what they still hold, on ${label}`, () => {
    let harness: SyncHarness;
    let ams: GatedAms;

    before(async () => {
      ams = new GatedAms();
      harness = await startSyncHarness(ams, { database: config() });
    });
    after(() => harness.close());
    beforeEach(async () => {
      // DELETE, not TRUNCATE: the child tables reference members.
      for (const entity of [RefreshQueueRunEntity, RefreshQueueEntity, MemberEntity, SyncRunEntity]) {
        await harness.database.dataSource.createQueryBuilder().delete().from(entity).execute();
      }
    });

    const repository = <E extends object>(entity: new () => E) => harness.database.dataSource.getRepository(entity);
    /** Queues keys for a new run, as a trigger does, and ends its discovery. */
    const queueRun = async (keys: string[]) => {
      const { ledger, intake, transactions } = harness.engine.internals;
      const run = await ledger.start("MANUAL");
      await transactions.run((manager) => intake.add(manager, { reason: "MANUAL", runId: run.id, keys }));
      await ledger.endDiscovery(run.id);
      return run.id;
    };

    it("carries the run on the queue row, with no link, and ends the run when its members are refreshed", async () => {
      const runId = await queueRun(["A", "B", "C"]);
      const queued = await repository(RefreshQueueEntity).find({ order: { memberKey: "ASC" } });
      assert.deepEqual(
        queued.map((row) => [row.memberKey, row.runId, row.extraRuns]),
        [
          ["A", runId, false],
          ["B", runId, false],
          ["C", runId, false],
        ],
      );
      assert.equal(await repository(RefreshQueueRunEntity).count(), 0, "one run per member needs no link");
      const batch = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      ams.answer(0, "Ada");
      assert.deepEqual(await batch, { claimed: 3, refreshed: 3, unchanged: 0, failed: 0, released: 0 });
      assert.equal(await repository(RefreshQueueEntity).count(), 0);
      const run = await harness.engine.internals.ledger.get(runId);
      assert.deepEqual([run?.status, run?.queued, run?.refreshed], ["SUCCEEDED", 3, 3]);
    });

    it("fetches a sign-on queued behind a backlog alone, not in the backlog's batch", async () => {
      const { ledger, intake, transactions } = harness.engine.internals;
      const backlog = Array.from({ length: 40 }, (_, index) => `Q${String(index).padStart(2, "0")}`);
      for (const [reason, keys] of [
        ["PERIODIC", backlog],
        ["LOGIN", ["SIGNED-ON"]],
      ] as const) {
        const run = await ledger.start(reason);
        await transactions.run((manager) => intake.add(manager, { reason, runId: run.id, keys: [...keys] }));
      }
      const first = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      assert.deepEqual(ams.keysOf(0), ["SIGNED-ON"]);
      ams.answer(0, "Ada");
      assert.equal((await first).refreshed, 1);
      const next = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      assert.ok(ams.keysOf(0).every((key) => key.startsWith("Q")));
      ams.answer(0, "Bo");
      assert.ok((await next).refreshed > 0);
    });

    it("a worker whose claim was taken over settles nothing: no write, no delete, no count", async () => {
      const runId = await queueRun(["M"]);
      const slow = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      // The first claim's lease runs out while its AMS call hangs; a second worker takes the member.
      harness.clock.advance(60_001);
      const taker = harness.engine.internals.worker(1).runOnce();
      await ams.fetches(2);
      ams.answer(0, "Stale");
      assert.deepEqual(await slow, { claimed: 1, refreshed: 0, unchanged: 0, failed: 0, released: 0 });
      assert.equal(await repository(MemberEntity).count(), 0, "the stale answer was not written");
      const [row] = await repository(RefreshQueueEntity).find();
      assert.ok(row, "the row is still queued for the claim that holds it");
      assert.match(row.leaseOwner ?? "", /:1#\d+$/, "leased to the second worker's claim");
      assert.equal(row.attempts, 2);
      assert.equal((await harness.engine.internals.ledger.get(runId))?.refreshed, 0);

      ams.answer(0, "Fresh");
      assert.deepEqual(await taker, { claimed: 1, refreshed: 1, unchanged: 0, failed: 0, released: 0 });
      const member = await repository(MemberEntity).findOneByOrFail({ memberKey: "M" });
      assert.equal(member.firstName, "Fresh");
      assert.equal(await repository(RefreshQueueEntity).count(), 0);
      const run = await harness.engine.internals.ledger.get(runId);
      assert.deepEqual([run?.status, run?.refreshed, run?.failed], ["SUCCEEDED", 1, 0]);
    });

    it("a member queued by another run while leased is refreshed again, each run counted once", async () => {
      const first = await queueRun(["M", "N"]);
      const batch = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      const second = await queueRun(["M"]);
      const [link] = await repository(RefreshQueueRunEntity).find();
      assert.deepEqual([link?.memberKey, link?.runId, link?.afterLease], ["M", second, true], "the second run waits through a link");
      ams.answer(0, "Once");
      assert.deepEqual(await batch, { claimed: 2, refreshed: 2, unchanged: 0, failed: 0, released: 0 });
      const settled = await harness.engine.internals.ledger.get(first);
      assert.deepEqual([settled?.status, settled?.refreshed], ["SUCCEEDED", 2]);
      assert.equal((await harness.engine.internals.ledger.get(second))?.status, "RUNNING", "the second run waits for the next refresh");
      const [row] = await repository(RefreshQueueEntity).find();
      assert.deepEqual([row?.memberKey, row?.leaseOwner, row?.runId], ["M", null, null]);

      const again = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      ams.answer(0, "Once");
      assert.deepEqual(await again, { claimed: 1, refreshed: 0, unchanged: 1, failed: 0, released: 0 });
      const later = await harness.engine.internals.ledger.get(second);
      assert.deepEqual([later?.status, later?.queued, later?.unchanged], ["SUCCEEDED", 1, 1]);
      assert.equal(await repository(RefreshQueueRunEntity).count(), 0);
      assert.equal(await repository(RefreshQueueEntity).count(), 0);
    });

    it("a full load leaves a member a worker holds to the queue: the worker's answer stands, and the load's run waits for a refresh after it", async () => {
      await queueRun(["M"]);
      const held = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      const { intake, ledger, transactions, events } = harness.engine.internals;
      const dataSource = harness.database.dataSource;
      const load = new FullLoad({
        source: ams,
        dataSource,
        transactions,
        intake,
        cursors: new CursorStore(dataSource, transactions),
        events,
        clock: harness.clock,
        logger: QUIET,
      });
      const run = await ledger.start("FULL");
      const checkpoint: LoadCheckpoint = { startedAt: harness.clock.now(), resumed: false };
      const listed = ["M", "N"].map((memberKey) => ({ memberKey, lastUpdated: "2026-11-01T00:00:00Z" }));
      await load.writePage(run.id, "FULL", listed, null, checkpoint);
      await ams.fetches(2);
      assert.deepEqual(ams.keysOf(1), ["N"], "the load fetches only what the queue does not hold");
      ams.answer(1, "Loaded");
      await checkpoint.writing;
      assert.deepEqual(
        (await repository(MemberEntity).find()).map((member) => [member.memberKey, member.firstName]),
        [["N", "Loaded"]],
      );

      ams.answer(0, "Worker");
      assert.equal((await held).refreshed, 1);
      assert.equal((await repository(MemberEntity).findOneByOrFail({ memberKey: "M" })).firstName, "Worker");
      const [row] = await repository(RefreshQueueEntity).find();
      assert.equal(row?.memberKey, "M", "queued again for the load's run");
      await ledger.endDiscovery(run.id);
      const again = harness.engine.internals.worker(0).runOnce();
      await ams.fetches(1);
      ams.answer(0, "Worker");
      assert.equal((await again).claimed, 1);
      const done = await ledger.get(run.id);
      assert.deepEqual([done?.status, done?.refreshed, done?.unchanged], ["SUCCEEDED", 1, 1]);
    });
  });
}
