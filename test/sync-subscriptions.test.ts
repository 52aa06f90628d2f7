import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gql, gqlData, wsClient } from "./support/graphql-client";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

/** Collects a subscription's payloads; `until` resolves once one satisfies the predicate. */
function collect<T>(client: ReturnType<typeof wsClient>["client"], query: string) {
  const seen: T[] = [];
  const waiters: Array<{ test: (value: T) => boolean; resolve: (value: T) => void }> = [];
  const errors: unknown[] = [];
  const unsubscribe = client.subscribe<Record<string, T>>(
    { query },
    {
      next: (result) => {
        if (result.errors) errors.push(result.errors);
        const value = Object.values(result.data ?? {})[0] as T;
        seen.push(value);
        for (const waiter of [...waiters]) {
          if (waiter.test(value)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(value);
          }
        }
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  const until = (test: (value: T) => boolean) =>
    new Promise<T>((resolve) => {
      const found = seen.find(test);
      if (found) resolve(found);
      else waiters.push({ test, resolve });
    });
  return { seen, errors, until, unsubscribe };
}

interface RunEvent {
  id: string;
  kind: string;
  status: string;
  discovered: number;
  queued: number;
  refreshed: number;
  unchanged: number;
  failed: number;
}

describe("sync progress over a real graphql-ws subscription", () => {
  const ams = new InMemoryAms();
  let fake: FakeAms;
  let harness: TestApp;
  /** While set, the AMS holds /members answers until it is called. */
  let gate: Promise<void> | undefined;

  before(async () => {
    ams.setMember("S1", memberInfo("S1", { EmailAddress: "s1@example.org" }), "2026-11-01T00:00:00Z");
    fake = await startFakeAms(ams, { beforeMembers: () => gate });
    harness = await startTestApp({
      env: {
        AMS_SOURCE: "rest",
        AMS_URL: fake.url,
        AMS_API_KEY: fake.apiKey,
        AMS_RETRY_BASE: "0",
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "1h",
      },
    });
    await gqlData(harness.url, `mutation { refreshMember(key: "S1", wait: true) { run { status } } }`, {}, ADMIN_KEY);
  });

  after(async () => {
    await harness.stop();
    await fake.close();
  });

  it("shows a periodic run go RUNNING → SUCCEEDED with its counts, the queue move, and what changed", { timeout: 30_000 }, async () => {
    for (const key of ["S2", "S3", "S4"])
      ams.setMember(key, memberInfo(key, { EmailAddress: `${key.toLowerCase()}@example.org` }), "2026-11-20T00:00:00Z");
    ams.setMember("S1", memberInfo("S1", { EmailAddress: "s1-new@example.org" }), "2026-11-20T00:00:00Z");
    const { client } = wsClient(harness.url, ADMIN_KEY);
    try {
      const progress = collect<RunEvent>(
        client,
        `subscription { syncProgress { id kind status discovered queued refreshed unchanged failed } }`,
      );
      const queue = collect<{ pendingCount: number }>(client, `subscription { refreshQueue { pendingCount deadLetterCount } }`);
      const changes = collect<{ key: string; changedFields: string[]; member: { email: string } }>(
        client,
        `subscription { memberChanged { key kind changedFields member { email } } }`,
      );
      // Subscriptions are live once a first event can reach them; a no-op run proves it.
      await gqlData(harness.url, `mutation { refreshMembers(keys: ["S1"]) { id } }`, {}, ADMIN_KEY);
      await progress.until((run) => run.kind === "MANUAL" && run.status !== "RUNNING");

      let open: () => void = () => undefined;
      gate = new Promise<void>((resolve) => (open = resolve));
      const started = await gqlData<{ runPeriodicRefresh: RunEvent }>(
        harness.url,
        `mutation { runPeriodicRefresh { id status } }`,
        {},
        ADMIN_KEY,
      );
      // The AMS holds the refresh, so the queue's growth is seen before it drains.
      const grown = await queue.until((state) => state.pendingCount >= 4);
      gate = undefined;
      open();
      const runId = started.runPeriodicRefresh.id;
      assert.equal(started.runPeriodicRefresh.status, "RUNNING");
      const finished = await progress.until((run) => run.id === runId && run.status !== "RUNNING");
      const statuses = progress.seen.filter((run) => run.id === runId).map((run) => run.status);
      assert.equal(statuses[0], "RUNNING");
      assert.equal(statuses.at(-1), "SUCCEEDED");
      assert.deepEqual([finished.discovered, finished.queued, finished.refreshed, finished.unchanged, finished.failed], [4, 4, 4, 0, 0]);
      await queue.until((state) => state.pendingCount === 0 && queue.seen.indexOf(state) > queue.seen.indexOf(grown));
      const s1 = await changes.until((change) => change.key === "S1" && change.changedFields.includes("email"));
      assert.equal(s1.member.email, "s1-new@example.org");
      await changes.until((change) => change.key === "S4");
      assert.deepEqual([progress.errors, queue.errors, changes.errors], [[], [], []]);

      const status = await gqlData<any>(
        harness.url,
        `{ syncStatus { pendingRefreshCount deadLetterCount lastSuccessfulPollAt running { id } cursors { stream cursor } } syncRuns(first: 1) { edges { node { id status } } } }`,
        {},
        ADMIN_KEY,
      );
      assert.equal(status.syncStatus.pendingRefreshCount, 0);
      assert.ok(status.syncStatus.lastSuccessfulPollAt);
      assert.equal(status.syncRuns.edges[0].node.id, runId);

      // A second change of the same member on the same subscription shows the cache as it is now.
      ams.setMember("S1", memberInfo("S1", { EmailAddress: "s1-newer@example.org" }), "2026-11-21T00:00:00Z");
      await gqlData(harness.url, `mutation { refreshMember(key: "S1", wait: true) { run { id } } }`, {}, ADMIN_KEY);
      const again = await changes.until((change) => change.key === "S1" && change.member.email === "s1-newer@example.org");
      assert.ok(again.changedFields.includes("email"));
    } finally {
      await client.dispose();
    }
  });

  it("filters syncProgress by runId and refuses bad mutation input with BAD_USER_INPUT or NOT_FOUND", { timeout: 30_000 }, async () => {
    const community = await gql(harness.url, `mutation { refreshCommunity(communityKey: "nope") { id } }`, {}, ADMIN_KEY);
    assert.equal(community.errors?.[0]?.extensions?.code, "NOT_FOUND");
    const empty = await gql(harness.url, `mutation { refreshMembers(keys: []) { id } }`, {}, ADMIN_KEY);
    assert.equal(empty.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    const { client } = wsClient(harness.url, ADMIN_KEY);
    try {
      const started = await gqlData<any>(harness.url, `mutation { refreshMember(key: "S2") { run { id } } }`, {}, ADMIN_KEY);
      const runId = started.refreshMember.run.id;
      const filtered = collect<RunEvent>(client, `subscription { syncProgress(runId: "${runId}") { id status } }`);
      const other = await gqlData<any>(
        harness.url,
        `mutation { refreshMember(key: "S3", wait: true) { run { id status } member { key } } }`,
        {},
        ADMIN_KEY,
      );
      assert.equal(other.refreshMember.member.key, "S3");
      await gqlData(harness.url, `mutation { refreshMember(key: "S2", wait: true) { run { id } } }`, {}, ADMIN_KEY);
      assert.ok(
        filtered.seen.every((run) => run.id === runId),
        "only the asked-for run",
      );
    } finally {
      await client.dispose();
    }
  });
});
