import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { secondTestDatabaseUrl } from "./support/database";
import { gqlData, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

type Run = { syncProgress: { id: string; detail: string | null } };
type Change = { memberChanged: { key: string; kind: string } };

const memberKey = (index: number) => `M${String(index).padStart(7, "0")}`;

/**
 * Two deployments (each its own database) on one Redis, with no PUBSUB_NAMESPACE set: each
 * derives its namespace from its database, and neither sees the other's events.
 */
describe("pub/sub namespaces: two deployments on one Redis", () => {
  let first: TestApp;
  let second: TestApp;

  before(async () => {
    first = await startTestApp({ env: { REDIS_URL } });
    second = await startTestApp({ databaseUrl: await secondTestDatabaseUrl(), env: { REDIS_URL } });
  });

  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  /** Refreshes one demo member through the app's own queue, so it publishes its memberChanged. */
  const refresh = async (app: TestApp, key: string) => {
    const started = await gqlData<any>(
      app.url,
      `mutation($keys: [ID!]!) { refreshMembers(keys: $keys) { id } }`,
      { keys: [key] },
      ADMIN_KEY,
    );
    await app.app.sync.drainQueue();
    return started.refreshMembers.id as string;
  };
  const probe = (app: TestApp, detail: string) =>
    gqlData(app.url, `mutation($key: ID!) { refreshMember(key: $key) { run { id } } }`, { key: detail }, ADMIN_KEY);

  it("keeps each deployment's syncProgress and memberChanged to itself", { timeout: 30_000 }, async () => {
    const a = wsClient(first.url, ADMIN_KEY);
    const b = wsClient(second.url, ADMIN_KEY);
    try {
      const runsA = wsCollect<Run>(a.client, `subscription { syncProgress { id detail } }`);
      const changesA = wsCollect<Change>(a.client, `subscription { memberChanged { key kind } }`);
      const runsB = wsCollect<Run>(b.client, `subscription { syncProgress { id detail } }`);
      const changesB = wsCollect<Change>(b.client, `subscription { memberChanged { key kind } }`);
      // Every subscription listening: each sees an event of its own deployment first.
      await untilArrived(
        runsA.waitFor((run) => run.syncProgress.detail === "probe-a"),
        () => probe(first, "probe-a"),
      );
      await untilArrived(
        runsB.waitFor((run) => run.syncProgress.detail === "probe-b"),
        () => probe(second, "probe-b"),
      );
      await untilArrived(
        changesA.waitFor(() => true),
        (attempt) => refresh(first, memberKey(1 + attempt)),
      );
      await untilArrived(
        changesB.waitFor(() => true),
        (attempt) => refresh(second, memberKey(30 + attempt)),
      );

      // The first deployment works; its own subscribers see it.
      const runId = await refresh(first, memberKey(25));
      await runsA.waitFor((run) => run.syncProgress.id === runId);
      await changesA.waitFor((change) => change.memberChanged.key === memberKey(25));

      // Redis sends a channel's messages in the order it took them: once the second deployment's
      // subscribers see a marker published after the first deployment's events, those events
      // would have reached them already if they were going to.
      await probe(second, "marker-b");
      await runsB.waitFor((run) => run.syncProgress.detail === "marker-b");
      await refresh(second, memberKey(45));
      await changesB.waitFor((change) => change.memberChanged.key === memberKey(45));

      const firstRunIds = new Set(runsA.seen.map((run) => run.syncProgress.id));
      const leakedRuns = runsB.seen.filter((run) => firstRunIds.has(run.syncProgress.id) || run.syncProgress.detail === "probe-a");
      assert.deepEqual(leakedRuns, [], "no run of the first deployment reached the second");
      const leakedChanges = changesB.seen.filter((change) => Number(change.memberChanged.key.slice(1)) < 30);
      assert.deepEqual(leakedChanges, [], "no member change of the first deployment reached the second");
      assert.ok(
        changesA.seen.every((change) => Number(change.memberChanged.key.slice(1)) < 30),
        "and none of the second's reached the first",
      );
    } finally {
      await a.client.dispose();
      await b.client.dispose();
    }
  });
});
