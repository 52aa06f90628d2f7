import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { RefreshFailureEntity, RefreshQueueEntity, RefreshQueueRunEntity, SyncRunEntity } from "../src/db/entities";
import { TransactionRunner } from "../src/db/transaction-runner";
import type { AmsSource } from "../src/sources/ams-source";
import { RefreshFailureCode } from "../src/sync/refresh-policy";
import type { ClaimedRow, RefreshReason } from "../src/sync/refresh-queue";
import type { RefreshOutcome } from "../src/sync/run-ledger";
import { withHeldTransaction } from "./support/held-transaction";
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
  /** Each owner's latest claim token, and every claimed row by key: what a worker keeps in memory. */
  const tokens = new Map<string, string>();
  const claimedRows = new Map<string, ClaimedRow>();
  const tokenOf = (owner: string) => tokens.get(owner) ?? owner;
  beforeEach(async () => {
    tokens.clear();
    claimedRows.clear();
    for (const entity of [RefreshQueueRunEntity, RefreshQueueEntity, RefreshFailureEntity, SyncRunEntity]) {
      await harness.database.dataSource.getRepository(entity).clear();
    }
  });

  const rows = () => harness.database.dataSource.getRepository(RefreshQueueEntity).find({ order: { memberKey: "ASC" } });
  /** Through the intake when there is a run; straight into the queue otherwise. Returns the keys newly queued for the run. */
  const enqueue = (keys: string[], reason: RefreshReason, runId: string | null = null) =>
    transactions.run(async (manager) => {
      if (runId !== null) return harness.engine.internals.intake.add(manager, { reason, runId, keys });
      await harness.queue.enqueue(manager, keys, reason);
      return new Set(keys).size;
    });
  /** Claims as a worker does, then dead-letters the rows whose leases kept running out. */
  const claim = async (owner: string, limit: number) => {
    const taken = await transactions.run((manager) => harness.queue.claim(manager, owner, limit));
    tokens.set(owner, taken.token);
    for (const row of taken.claimed) claimedRows.set(row.memberKey, row);
    if (taken.exhausted.length > 0) {
      await transactions.run(async (manager) => {
        const dead = await harness.queue.deadLetterLost(manager, taken.token, taken.exhausted);
        const waiting = new Map(taken.exhausted.map(({ row }) => [row.memberKey, row]));
        await harness.engine.internals.ledger.recordOutcomes(manager, new Map(dead.map((key) => [key, "failed" as const])), waiting);
      });
    }
    return taken.claimed;
  };
  /** Settles refreshed members as a worker does when some row changed meanwhile: queue rows and runs in one transaction. */
  const complete = (owner: string, outcomes: Map<string, "refreshed" | "unchanged">, requeued: Set<string> = new Set()) =>
    transactions.run(async (manager) => {
      const owned = await harness.queue.lockOwned(manager, transactions.dialect, tokenOf(owner), [...outcomes.keys()]);
      await harness.queue.complete(manager, tokenOf(owner), [...outcomes.keys()], requeued);
      return harness.engine.internals.ledger.recordOutcomes(manager, outcomes, owned);
    });

  it("tells intake listeners of committed work until they stop listening", async () => {
    const { intake, ledger } = harness.engine.internals;
    let heard = 0;
    const stop = intake.whenQueued(() => {
      heard += 1;
    });
    const run = await ledger.start("MANUAL");
    await intake.submit({ reason: "MANUAL", runId: run.id, keys: ["L1", "L2"] });
    await intake.submit({ reason: "MANUAL", runId: run.id, keys: [] });
    assert.equal(heard, 1, "once per submission that queued something");
    stop();
    await intake.submit({ reason: "MANUAL", runId: run.id, keys: ["L3"] });
    assert.equal(heard, 1);
  });

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
    await enqueue(["P1", "P2", "P3"], "PERIODIC");
    await enqueue(["L1"], "LOGIN");
    const first = await claim("worker-1", 2);
    assert.deepEqual(
      first.map((row) => row.memberKey),
      ["L1"],
      "a claim holds one priority",
    );
    const second = await claim("worker-2", 2);
    assert.deepEqual(
      second.map((row) => row.memberKey),
      ["P1", "P2"],
      "leased rows are not claimed again",
    );
    assert.deepEqual(
      (await claim("worker-3", 5)).map((row) => row.memberKey),
      ["P3"],
    );
    assert.deepEqual(await claim("worker-3", 5), []);
    harness.clock.advance(60_001);
    const recovered = [...(await claim("worker-4", 5)), ...(await claim("worker-4", 5))];
    assert.deepEqual(
      recovered.map((row) => row.memberKey),
      ["L1", "P1", "P2", "P3"],
    );
    assert.ok(
      recovered.every((row) => row.attempts === 2),
      "a lost lease still counts as an attempt",
    );
  });

  it("claims a sign-on queued behind a backlog in a batch of its own", async () => {
    await enqueue(
      Array.from({ length: 30 }, (_, index) => `B${String(index).padStart(2, "0")}`),
      "PERIODIC",
    );
    await enqueue(["SIGNED-ON"], "LOGIN");
    // A backlog claim is large (REFRESH_BACKLOG_BATCH_SIZE): the sign-on must not wait for a
    // whole backlog batch to be fetched from the AMS.
    assert.deepEqual(
      (await claim("w", 25)).map((row) => row.memberKey),
      ["SIGNED-ON"],
    );
    assert.equal((await claim("w", 25)).length, 25);
  });

  it("hands concurrent claimers disjoint rows, and all of them between them (SKIP LOCKED)", async () => {
    const keys = Array.from({ length: 60 }, (_, index) => `K${String(index).padStart(2, "0")}`);
    await enqueue(keys, "PERIODIC");
    const claims = await Promise.all(["w1", "w2", "w3", "w4"].map((owner) => claim(owner, 20)));
    // SKIP LOCKED may pass over a row another claimer was only looking at; a later claim takes it.
    const rest = await claim("w5", 60);
    const claimed = [...claims, rest].flatMap((claim) => claim.map((row) => row.memberKey));
    assert.equal(new Set(claimed).size, claimed.length, "no member claimed twice");
    assert.equal(claimed.length, 60);
    assert.ok(rest.length <= 4, `the concurrent claims took nearly all (${rest.length} left over)`);
  });

  it("backs off exponentially, then dead-letters after maxAttempts and credits the run as failed", async () => {
    const run = await harness.engine.internals.ledger.start("MANUAL");
    await enqueue(["POISON"], "MANUAL", run.id);
    await harness.engine.internals.ledger.endDiscovery(run.id);
    const started = harness.clock.now().getTime();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const [claimed] = await claim("w", 1);
      assert.equal(claimed?.attempts, attempt);
      const deadLettered = await transactions.run(async (manager) => {
        const dead = await harness.queue.fail(
          manager,
          tokenOf("w"),
          [{ memberKey: "POISON", failure: { kind: "member", code: RefreshFailureCode.CONTRACT_VIOLATION, message: "bad record" } }],
          new Map([["POISON", attempt]]),
        );
        await harness.engine.internals.ledger.recordOutcomes(
          manager,
          new Map(dead.map((key) => [key, "failed" as RefreshOutcome])),
          new Map([["POISON", claimedRows.get("POISON")!]]),
        );
        return dead;
      });
      const [row] = await rows();
      if (attempt < 3) {
        assert.deepEqual(deadLettered, []);
        delays.push(row!.nextAttemptAt.getTime() - harness.clock.now().getTime());
        assert.deepEqual(await claim("w", 1), [], "not due before its back-off");
        harness.clock.set(row!.nextAttemptAt);
      } else {
        assert.deepEqual(deadLettered, ["POISON"]);
        assert.equal(row, undefined, "gone from the queue");
      }
    }
    assert.deepEqual(delays, [1_000, 2_000]);
    assert.ok(harness.clock.now().getTime() - started >= 3_000);
    const failure = await harness.database.dataSource.getRepository(RefreshFailureEntity).findOneByOrFail({ memberKey: "POISON" });
    assert.deepEqual([failure.attempts, failure.errorCode, failure.lastError], [3, "CONTRACT_VIOLATION", "bad record"]);
    await harness.engine.internals.ledger.settle([run.id]);
    const finished = await harness.engine.internals.ledger.get(run.id);
    assert.deepEqual([finished?.status, finished?.failed], ["FAILED", 1]);
  });

  it("refreshes once more a member changed while a worker held it", async () => {
    const first = await harness.engine.internals.ledger.start("PERIODIC");
    await enqueue(["M"], "PERIODIC", first.id);
    await claim("w", 1);
    const second = await harness.engine.internals.ledger.start("PERIODIC");
    await enqueue(["M"], "PERIODIC", second.id);
    const credited = await transactions.run(async (manager) => {
      const owned = await harness.queue.lockOwned(manager, transactions.dialect, tokenOf("w"), ["M"]);
      assert.deepEqual(
        [...owned],
        [["M", { requeue: true, runId: first.id, extraRuns: true }]],
        "the change while leased is recorded, and the second run waits through a link",
      );
      await harness.queue.complete(manager, tokenOf("w"), ["M"], new Set(["M"]));
      return harness.engine.internals.ledger.recordOutcomes(manager, new Map([["M", "refreshed" as const]]), owned);
    });
    assert.deepEqual(credited, [first.id], "only the run that was waiting for this refresh is credited");
    const [row] = await rows();
    assert.deepEqual([row?.leaseOwner, row?.attempts, row?.requeue], [null, 0, false]);
    const [again] = await claim("w", 1);
    assert.equal(again?.memberKey, "M");
    const later = await complete("w", new Map([["M", "unchanged" as const]]));
    assert.deepEqual(later, [second.id]);
    const counted = await harness.engine.internals.ledger.get(second.id);
    assert.deepEqual([counted?.refreshed, counted?.unchanged, counted?.failed], [0, 1, 0]);
    assert.deepEqual(await rows(), []);
  });

  it("gives rows back uncounted when the whole AMS was unreachable", async () => {
    await enqueue(["X"], "PERIODIC");
    await claim("w", 1);
    await transactions.run((manager) =>
      harness.queue.fail(
        manager,
        tokenOf("w"),
        [{ memberKey: "X", failure: { kind: "outage", code: RefreshFailureCode.TEMPORARY, message: "AMS down", retryAfterMs: 30_000 } }],
        new Map([["X", 1]]),
      ),
    );
    const [row] = await rows();
    assert.deepEqual([row?.attempts, row?.leaseOwner, row?.lastErrorCode], [0, null, "TEMPORARY"]);
    assert.equal(row!.nextAttemptAt.getTime(), harness.clock.now().getTime() + 30_000);
  });

  it("counts every lost lease as an attempt and dead-letters a member no worker ever finishes", async () => {
    const run = await harness.engine.internals.ledger.start("MANUAL");
    await enqueue(["SLOW"], "MANUAL", run.id);
    await harness.engine.internals.ledger.endDiscovery(run.id);
    // Three workers in turn take the member and never settle it (each dies, or the AMS outlasts the lease).
    for (let claimNo = 1; claimNo <= 3; claimNo += 1) {
      const [claimed] = await claim(`w${claimNo}`, 1);
      assert.deepEqual([claimed?.memberKey, claimed?.attempts], ["SLOW", claimNo]);
      harness.clock.advance(60_001);
    }
    assert.deepEqual(await claim("w4", 1), [], "out of attempts: not handed out again");
    assert.deepEqual(await rows(), []);
    const failure = await harness.database.dataSource.getRepository(RefreshFailureEntity).findOneByOrFail({ memberKey: "SLOW" });
    assert.deepEqual([failure.errorCode, failure.attempts], ["LEASE_LOST", 3]);
  });

  it("marks a row reclaimed after a lost lease, while attempts remain", async () => {
    await enqueue(["R"], "PERIODIC");
    await claim("w1", 1);
    harness.clock.advance(60_001);
    const [again] = await claim("w2", 1);
    assert.equal(again?.attempts, 2);
    const [row] = await rows();
    assert.deepEqual([row?.leaseOwner, row?.lastErrorCode], [tokenOf("w2"), "LEASE_LOST"]);
  });

  it("counts the due, unleased rows, no further than asked", async () => {
    const count = (cap: number) => transactions.autocommit((manager) => harness.queue.dueCount(manager, cap));
    assert.equal(await count(10), 0);
    await enqueue(["A", "B", "C", "D", "E"], "PERIODIC");
    assert.deepEqual([await count(10), await count(3)], [5, 3]);
    await claim("w1", 2);
    assert.equal(await count(10), 3, "leased rows are not due");
    harness.clock.advance(60_001);
    assert.equal(await count(10), 5, "rows whose lease ran out are due again");
  });

  // A queue idle until a poll queues a burst still has an empty table's statistics. For an IN
  // list longer than eq_range_index_dive_limit (200) the planner estimates from them and scans;
  // a scan that locks reads every row, so one worker's settling waited for every other worker's
  // transaction to end (measured: the second of two incremental batches of 500 waited 80 ms, the
  // whole of the first's write). Recomputing is off here so the statistics stay the empty table's.
  it("claims, settles, fails, renews and queues rows by key without waiting for another claim's open settling", async () => {
    const part = 210;
    const named = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(4, "0")}`);
    await withHeldTransaction(harness.database.dataSource, ["refresh_queue"], async (holder, other) => {
      const queued = named("K", 7 * part);
      await enqueue(queued, "PERIODIC");
      const held = (await claim("a", part)).map((row) => row.memberKey);
      const mine = (await claim("b", 5 * part)).map((row) => row.memberKey);
      const slice = (index: number) => mine.slice(index * part, (index + 1) * part);
      const run = await harness.engine.internals.ledger.start("MANUAL");
      assert.ok(await harness.queue.settleClaimed(holder.manager, tokenOf("a"), held));
      const { manager } = other;
      const token = tokenOf("b");
      assert.ok(await harness.queue.settleClaimed(manager, token, slice(0)));
      const settled = [...slice(1), ...slice(2)];
      assert.equal((await harness.queue.lockOwned(manager, "mysql", token, settled)).size, 2 * part);
      await harness.queue.complete(manager, token, settled, new Set(slice(2)));
      const outage = { kind: "outage" as const, code: RefreshFailureCode.TEMPORARY, message: "down" };
      const bad = { kind: "member" as const, code: RefreshFailureCode.CONTRACT_VIOLATION, message: "bad record" };
      const failures = [
        ...slice(3).map((memberKey) => ({ memberKey, failure: outage })),
        ...slice(4).map((memberKey) => ({ memberKey, failure: bad })),
      ];
      const dead = await harness.queue.fail(manager, token, failures, new Map(slice(4).map((key) => [key, 3])));
      assert.deepEqual(dead, slice(4));
      assert.equal(await harness.queue.renew(manager, token, [...slice(2), ...slice(3)]), 0, "given back: none still leased");
      // SKIP LOCKED fails outright under a zero timeout (MariaDB), so the claim gets one second:
      // its lease UPDATE, were it to scan, would wait that long and fail.
      await other.query("SET SESSION innodb_lock_wait_timeout = 1");
      const next = await harness.queue.claim(manager, "c", part);
      await other.query("SET SESSION innodb_lock_wait_timeout = 0");
      assert.equal(next.claimed.length, part);
      assert.equal(
        await harness.queue.renew(
          manager,
          next.token,
          next.claimed.map((row) => row.memberKey),
        ),
        part,
      );
      const fresh = named("N", part);
      assert.equal(await harness.engine.internals.intake.add(manager, { reason: "MANUAL", runId: run.id, keys: fresh }), part);
      await other.commitTransaction();
      await holder.rollbackTransaction();
      const left = (await rows()).map((row) => row.memberKey);
      const unclaimed = queued.filter((key) => !held.includes(key) && !mine.includes(key));
      const kept = [...held, ...slice(2), ...slice(3), ...unclaimed, ...fresh];
      assert.deepEqual(left, kept.sort(), "the holder rolled back; the other transaction's work stands");
    });
  });

  it("answers and moves run links by key without waiting for another claim's open settling", async () => {
    const { dataSource } = harness.database;
    const part = 210;
    await withHeldTransaction(dataSource, ["refresh_queue_runs"], async (holder, other) => {
      const queued = Array.from({ length: 3 * part }, (_, index) => `L${String(index).padStart(4, "0")}`);
      await enqueue(queued, "PERIODIC");
      const held = (await claim("a", part)).map((row) => row.memberKey);
      const mine = (await claim("b", 2 * part)).map((row) => row.memberKey);
      // A second run queues them all while they are leased: each waits for it through a link.
      const linker = await harness.engine.internals.ledger.start("MANUAL");
      assert.equal(await enqueue(queued, "MANUAL", linker.id), 3 * part);
      const { ledger } = harness.engine.internals;
      const outcomes = (keys: string[], outcome: RefreshOutcome) => new Map(keys.map((key) => [key, outcome]));
      const waiting = (keys: string[]) => new Map(keys.map((key) => [key, { runId: null, extraRuns: true }]));
      await ledger.recordOutcomes(holder.manager, outcomes(held, "refreshed"), waiting(held));
      const failed = mine.slice(0, part);
      const refreshed = mine.slice(part);
      assert.deepEqual(await ledger.recordOutcomes(other.manager, outcomes(failed, "failed"), waiting(failed)), [linker.id]);
      await ledger.recordOutcomes(other.manager, outcomes(refreshed, "refreshed"), waiting(refreshed));
      await other.commitTransaction();
      await holder.rollbackTransaction();
      const links = await dataSource.getRepository(RefreshQueueRunEntity).find({ order: { memberKey: "ASC" } });
      assert.deepEqual(
        links.map((link) => [link.memberKey, link.afterLease]),
        [...held.map((key) => [key, true]), ...refreshed.map((key) => [key, false])].sort(),
        "a failed member answers its links; a refreshed one leaves them for the next refresh",
      );
    });
  });

  it("renews only leases its owner still holds", async () => {
    await enqueue(["A", "B"], "PERIODIC");
    await claim("w1", 1);
    await claim("w2", 1);
    harness.clock.advance(30_000);
    const renewed = await transactions.run((manager) => harness.queue.renew(manager, tokenOf("w1"), ["A", "B"]));
    assert.equal(renewed, 1);
    harness.clock.advance(30_001);
    const reclaimed = await claim("w3", 5);
    assert.deepEqual(
      reclaimed.map((row) => row.memberKey),
      ["B"],
      "A's renewed lease still holds; B's ran out",
    );
  });
});
