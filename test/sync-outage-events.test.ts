import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RefreshQueueEntity } from "../src/db/entities";
import { SYNC_TOPICS, type SyncRunSnapshot } from "../src/sync/sync-events";
import type { AmsSource } from "../src/sources/ams-source";
import { gql } from "./support/graphql-client";
import { startSyncHarness, type SyncHarness } from "./support/sync-harness";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

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

/** Lets everything already resolved run (no timers, no real waiting). */
const settled = async () => {
  for (let turn = 0; turn < 20; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe("a refresh that meets an AMS outage", () => {
  let app: TestApp;
  let closeAms: () => Promise<void>;

  before(async () => {
    const server = createServer((_request, response) => {
      response.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "down for maintenance" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closeAms = () => new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app = await startTestApp({
      env: {
        AMS_SOURCE: "rest",
        AMS_URL: url,
        AMS_API_KEY: "k",
        AMS_RETRIES: "0",
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "1h",
        EVENT_REFRESH_INTERVAL: "1h",
        // Far longer than the test may take: the answer must not wait for it.
        SYNC_WAIT_TIMEOUT: "10m",
      },
    });
  });
  after(async () => {
    await app.stop();
    await closeAms();
  });

  it("answers SOURCE_UNAVAILABLE at once, with the run still returned", { timeout: 60_000 }, async () => {
    const response = await gql<any>(
      app.url,
      `mutation { refreshMember(key: "GONE-AMS", wait: true) { run { id status } member { key } } }`,
      {},
      ADMIN_KEY,
    );
    assert.equal(response.data?.refreshMember?.run?.status, "RUNNING", "the refresh stays queued");
    assert.equal(response.data?.refreshMember?.member, null);
    assert.equal(response.errors?.length, 1);
    assert.equal(response.errors![0]!.extensions?.code, "SOURCE_UNAVAILABLE");
    assert.deepEqual(response.errors![0]!.path, ["refreshMember", "member"]);
    assert.match(response.errors![0]!.message, /AMS is unavailable/);
  });
});

describe("run events", () => {
  let harness: SyncHarness;
  before(async () => {
    harness = await startSyncHarness(NO_SOURCE);
  });
  after(() => harness.close());

  it("publish a run's end once, however many settle it", async () => {
    const seen: SyncRunSnapshot[] = [];
    const iterator = harness.channel.subscribe(SYNC_TOPICS.run)[Symbol.asyncIterator]();
    const reading = (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) seen.push(next.value as SyncRunSnapshot);
    })();
    const ledger = harness.engine.internals.ledger;
    const run = await ledger.start("MANUAL");
    await ledger.endDiscovery(run.id);
    // Another worker, another process, the maintenance job: each settles the same run again.
    await ledger.settle([run.id]);
    await ledger.settle([run.id]);
    await ledger.failRun(run.id, "late");
    await settled();
    await iterator.return?.();
    await reading;
    const ends = seen.filter((snapshot) => snapshot.id === run.id && snapshot.status !== "RUNNING");
    assert.deepEqual(
      ends.map((snapshot) => snapshot.status),
      ["SUCCEEDED"],
    );
  });
});

describe("queue depth across processes", () => {
  it("ends on the true size even when the process that drains said that size before", async () => {
    const shared = await startSyncHarness(NO_SOURCE);
    const other = await startSyncHarness(NO_SOURCE, { keepData: true, channel: shared.channel });
    try {
      const seen: number[] = [];
      const iterator = shared.channel.subscribe(SYNC_TOPICS.queue)[Symbol.asyncIterator]();
      const reading = (async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next())
          seen.push((next.value as { pending: number }).pending);
      })();
      // The worker process announces an empty queue; then a graph-only process queues three.
      await other.engine.service.publishQueueState();
      await settled();
      await shared.engine.service.refreshMembers(["Q1", "Q2", "Q3"]);
      await shared.engine.service.publishQueueState();
      await settled();
      // The worker process empties the queue (as its last batch would) and publishes.
      await other.database.dataSource.getRepository(RefreshQueueEntity).clear();
      await other.engine.service.drain();
      await other.engine.service.publishQueueState();
      await settled();
      await iterator.return?.();
      await reading;
      assert.equal(seen.at(-1), 0, `subscribers saw ${JSON.stringify(seen)}`);
    } finally {
      await other.close();
      await shared.close();
    }
  });
});
