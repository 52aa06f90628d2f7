import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { RefreshFailureEntity, RefreshQueueEntity, RefreshQueueRunEntity, SyncRunEntity } from "../src/db/entities";
import { TransactionRunner } from "../src/db/transaction-runner";
import type { AmsSource } from "../src/sources/ams-source";
import { startSyncHarness, type SyncHarness } from "./support/sync-harness";

/** The queue never calls the AMS; a source that would fail loudly proves it. */
const NO_SOURCE: AmsSource = {
  name: "none",
  maxBatchSize: 100,
  changedMembers: () => {
    throw new Error("not called");
  },
  fetchMembers: () => Promise.reject(new Error("not called")),
  changedEvents: () => {
    throw new Error("not called");
  },
};

describe("the refresh queue on MariaDB", () => {
  let harness: SyncHarness;
  let transactions: TransactionRunner;

  before(async () => {
    harness = await startSyncHarness(NO_SOURCE);
    transactions = new TransactionRunner(harness.database);
  });
  after(() => harness.close());
  beforeEach(async () => {
    for (const entity of [RefreshQueueRunEntity, RefreshQueueEntity, RefreshFailureEntity, SyncRunEntity]) {
      await harness.database.dataSource.getRepository(entity).clear();
    }
  });

  const rows = () => harness.database.dataSource.getRepository(RefreshQueueEntity).find({ order: { memberKey: "ASC" } });
  const enqueue = (keys: string[], reason: "PERIODIC" | "MANUAL" | "LOGIN", runId: string | null = null) =>
    transactions.run((manager) => harness.queue.enqueue(manager, keys, reason, runId));

  it("coalesces a second change of a member into its pending row, keeping the higher priority", async () => {
    assert.equal(await enqueue(["A", "B"], "PERIODIC"), 2);
    await enqueue(["B"], "MANUAL");
    await enqueue(["A"], "PERIODIC");
    const queued = await rows();
    assert.deepEqual(
      queued.map((row) => [row.memberKey, row.reason, row.priority]),
      [
        ["A", "PERIODIC", 60],
        ["B", "MANUAL", 20],
      ],
    );
  });

  it("claims highest priority first, leases what it claims, and gives a crashed worker's rows to another", async () => {
    await enqueue(["P1", "P2"], "PERIODIC");
    await enqueue(["L1"], "LOGIN");
    const first = await harness.queue.claim(transactions, "worker-1", 2);
    assert.deepEqual(first.map((row) => row.memberKey), ["L1", "P1"]);
    const second = await harness.queue.claim(transactions, "worker-2", 5);
    assert.deepEqual(second.map((row) => row.memberKey), ["P2"], "leased rows are not claimed again");
    assert.deepEqual(await harness.queue.claim(transactions, "worker-3", 5), []);
    harness.clock.advance(60_001);
    const recovered = await harness.queue.claim(transactions, "worker-3", 5);
    assert.deepEqual(recovered.map((row) => row.memberKey).sort(), ["L1", "P1", "P2"]);
    assert.ok(recovered.every((row) => row.attempts === 2), "a lost lease still counts as an attempt");
  });

  it("hands concurrent claimers disjoint rows, and all of them between them (SKIP LOCKED)", async () => {
    const keys = Array.from({ length: 60 }, (_, index) => `K${String(index).padStart(2, "0")}`);
    await enqueue(keys, "PERIODIC");
    const claims = await Promise.all(
      ["w1", "w2", "w3", "w4"].map((owner) => harness.queue.claim(transactions, owner, 20)),
    );
    const claimed = claims.flatMap((claim) => claim.map((row) => row.memberKey));
    assert.equal(new Set(claimed).size, claimed.length, "no member claimed twice");
    assert.equal(claimed.length, 60);
  });

  it("backs off exponentially, then dead-letters after maxAttempts and credits the run as failed", async () => {
    const run = await harness.engine.runs.start("MANUAL");
    await enqueue(["POISON"], "MANUAL", run.id);
    await harness.engine.runs.endDiscovery(run.id);
    const started = harness.clock.now().getTime();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const [claimed] = await harness.queue.claim(transactions, "w", 1);
      assert.equal(claimed?.attempts, attempt);
      const result = await transactions.run(async (manager) => {
        const outcome = await harness.queue.fail(
          manager,
          "w",
          [{ memberKey: "POISON", errorCode: "CONTRACT_VIOLATION", message: "bad record" }],
          new Map([["POISON", attempt]]),
        );
        await harness.engine.runs.credit(manager, outcome.credits);
        return outcome;
      });
      const [row] = await rows();
      if (attempt < 3) {
        assert.deepEqual(result.deadLettered, []);
        delays.push(row!.nextAttemptAt.getTime() - harness.clock.now().getTime());
        assert.deepEqual(await harness.queue.claim(transactions, "w", 1), [], "not due before its back-off");
        harness.clock.set(row!.nextAttemptAt);
      } else {
        assert.deepEqual(result.deadLettered, ["POISON"]);
        assert.equal(row, undefined, "gone from the queue");
      }
    }
    assert.deepEqual(delays, [1_000, 2_000]);
    assert.ok(harness.clock.now().getTime() - started >= 3_000);
    const failure = await harness.database.dataSource.getRepository(RefreshFailureEntity).findOneByOrFail({ memberKey: "POISON" });
    assert.deepEqual([failure.attempts, failure.errorCode, failure.lastError], [3, "CONTRACT_VIOLATION", "bad record"]);
    await harness.engine.runs.settle([run.id]);
    const finished = await harness.engine.runs.get(run.id);
    assert.deepEqual([finished?.status, finished?.failed], ["FAILED", 1]);
  });

  it("refreshes once more a member changed while a worker held it", async () => {
    const first = await harness.engine.runs.start("PERIODIC");
    await enqueue(["M"], "PERIODIC", first.id);
    await harness.queue.claim(transactions, "w", 1);
    const second = await harness.engine.runs.start("PERIODIC");
    await enqueue(["M"], "PERIODIC", second.id);
    const credits = await transactions.run(async (manager) => {
      const owned = await harness.queue.lockOwned(manager, transactions.dialect, "w", ["M"]);
      assert.deepEqual([...owned], [["M", { requeue: true }]], "the change while leased is recorded");
      return harness.queue.complete(manager, "w", new Map([["M", "refreshed" as const]]), new Set(["M"]));
    });
    assert.deepEqual([...credits.keys()], [first.id], "only the run that was waiting for this refresh is credited");
    const [row] = await rows();
    assert.deepEqual([row?.leaseOwner, row?.attempts, row?.requeue], [null, 0, false]);
    const [again] = await harness.queue.claim(transactions, "w", 1);
    assert.equal(again?.memberKey, "M");
    const later = await transactions.run((manager) => harness.queue.complete(manager, "w", new Map([["M", "unchanged" as const]])));
    assert.deepEqual([...later.entries()], [[second.id, { refreshed: 0, unchanged: 1, failed: 0 }]]);
    assert.deepEqual(await rows(), []);
  });

  it("gives rows back uncounted when the whole AMS was unreachable", async () => {
    await enqueue(["X"], "PERIODIC");
    await harness.queue.claim(transactions, "w", 1);
    await transactions.run((manager) => harness.queue.release(manager, "w", ["X"], 30_000, "AMS down"));
    const [row] = await rows();
    assert.deepEqual([row?.attempts, row?.leaseOwner, row?.lastErrorCode], [0, null, "TEMPORARY"]);
    assert.equal(row!.nextAttemptAt.getTime(), harness.clock.now().getTime() + 30_000);
  });
});
