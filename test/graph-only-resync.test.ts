import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LEADER_LEASE } from "../src/sync/leadership";
import { startTestApp, type TestApp } from "./support/test-app";

/** What a full resync asked of `harness` left: who holds the leader lease, the queue, the cache. */
async function afterFullResync(harness: TestApp) {
  const { sync } = harness.app;
  const run = await sync.internals.poller.pollMembers("FULL", () => undefined, 5_000);
  assert.equal(run?.status === "FAILED", false, `the resync failed: ${run?.detail}`);
  const count = async (table: string) =>
    Number(((await harness.app.database.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`)) as Array<{ n: number | string }>)[0]!.n);
  const leases = (await harness.app.database.dataSource.query("SELECT name, holder FROM sync_leases")) as Array<{
    name: string;
    holder: string;
  }>;
  return {
    leaderHolder: leases.find((lease) => lease.name === LEADER_LEASE)?.holder ?? null,
    instance: sync.internals.leadership.instance,
    queued: await count("refresh_queue"),
    cached: await count("members"),
  };
}

describe("a full resync asked of a process that only serves the graph", () => {
  it("is queued for the processes that run sync: it takes no leader lease and loads nothing itself", async () => {
    // SYNC_ENABLED=false, as a graph-only process runs; nobody leads yet (a fresh database).
    const harness = await startTestApp({ overrides: { syncDrivenByHand: false } });
    try {
      const left = await afterFullResync(harness);
      // Before, it took the free lease, never to renew it, and wrote the 50 members itself.
      assert.notEqual(left.leaderHolder, left.instance);
      assert.equal(harness.app.sync.internals.leadership.isLeader, false);
      assert.equal(left.cached, 0);
      assert.equal(left.queued, 50);
    } finally {
      await harness.stop();
    }
  });

  it("is loaded past the queue where sync is driven by hand, the lease taken as the leader would", async () => {
    const harness = await startTestApp({ overrides: { syncDrivenByHand: true } });
    try {
      const left = await afterFullResync(harness);
      assert.equal(left.leaderHolder, left.instance);
      assert.equal(left.cached, 50);
      assert.equal(left.queued, 0);
    } finally {
      await harness.stop();
    }
  });
});
