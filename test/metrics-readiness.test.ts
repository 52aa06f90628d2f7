import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/time/clock";
import { gql, gqlData, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { parsePrometheusText, sampleValue, type Sample } from "./support/prometheus-text";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const METRICS_TOKEN = "metrics-token-for-tests-0123";

async function scrape(app: TestApp, token: string | undefined = METRICS_TOKEN): Promise<Sample[]> {
  const response = await fetch(`${app.baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

async function readiness(app: TestApp): Promise<{ status: number; body: any }> {
  const response = await fetch(`${app.baseUrl}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe("/metrics and /readyz", () => {
  const clock = new ManualClock("2026-11-23T12:00:00.000Z");
  let sync: TestApp;
  let graphOnly: TestApp;

  before(async () => {
    const env = { METRICS_TOKEN, READINESS_MAX_POLL_LAG: "10m", SSO_CREDENTIALS_ENABLED: "true" };
    // The one that polls, and a graph-only process on the same database: what they report is read from it.
    sync = await startTestApp({ env, overrides: { clock } });
    graphOnly = await startTestApp({ env, overrides: { clock }, keepData: true });
  });

  after(async () => {
    await graphOnly?.stop();
    await sync?.stop();
  });

  it("says 503 until the first full load, then 200, and 503 again when polls lag past the threshold", async () => {
    for (const app of [sync, graphOnly]) {
      const before = await readiness(app);
      assert.equal(before.status, 503);
      assert.equal(before.body.status, "unavailable");
      assert.match(before.body.reasons.join(" "), /first full load has not finished/);
      assert.equal(before.body.checks.sync.firstLoad, "pending");
      assert.equal(before.body.checks.pubsub, "in-process");
    }

    await sync.app.sync.internals.poller.pollMembers("PERIODIC");
    for (const app of [sync, graphOnly]) {
      const ready = await readiness(app);
      assert.deepEqual([ready.status, ready.body.status, ready.body.reasons], [200, "ready", []]);
      assert.deepEqual(ready.body.checks.sync, {
        firstLoad: "done",
        lastSuccessfulPollAt: "2026-11-23T12:00:00.000Z",
        pollLagSeconds: 0,
        maxPollLagSeconds: 600,
      });
    }

    clock.advance(11 * 60_000);
    for (const app of [sync, graphOnly]) {
      const stale = await readiness(app);
      assert.equal(stale.status, 503);
      assert.match(stale.body.reasons.join(" "), /660s ago, more than READINESS_MAX_POLL_LAG \(600s\)/);
    }
    await sync.app.sync.internals.poller.pollMembers("PERIODIC");
    assert.equal((await readiness(graphOnly)).status, 200, "a poll brings every process back");
  });

  it("refuses /metrics without the token", async () => {
    assert.equal((await fetch(`${sync.baseUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${sync.baseUrl}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status, 401);
  });

  it("exports the queue, dead letters and poll lag as the shared database has them, from any process", async () => {
    // The first load wrote its members without queueing them: queue rows of two reasons here.
    await gqlData(sync.url, `mutation { refreshMembers(keys: ["M0000001", "M0000002", "X-NOT-IN-AMS"]) { id } }`, {}, ADMIN_KEY);
    await sync.app.sync.service.refreshMember("M0000003", { wait: false, reason: "LOGIN" });
    await sync.app.database.dataSource.query(
      "INSERT INTO refresh_failures (member_key, reason, attempts, error_code, last_error, enqueued_at, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ["DEAD-1", "PERIODIC", 5, "TEMPORARY", "gone", new Date(), new Date()],
    );
    clock.advance(42_000);
    const rows: Array<{ reason: string; count: string | number }> = await sync.app.database.dataSource.query(
      "SELECT reason, COUNT(*) AS count FROM refresh_queue GROUP BY reason",
    );
    assert.ok(rows.length >= 2, "rows of at least two reasons are queued");
    for (const app of [sync, graphOnly]) {
      const samples = await scrape(app);
      const depth = samples.filter((sample) => sample.name === "amsgate_refresh_queue_depth");
      for (const row of rows) {
        assert.equal(
          depth.find((sample) => sample.labels.reason === row.reason)?.value,
          Number(row.count),
          `queue depth for ${row.reason}`,
        );
      }
      const total = depth.reduce((sum, sample) => sum + sample.value, 0);
      assert.equal(
        total,
        rows.reduce((sum, row) => sum + Number(row.count), 0),
      );
      assert.equal(sampleValue(samples, "amsgate_refresh_queue_depth", { reason: "PUSH" }), 0, "every reason is listed");
      assert.equal(sampleValue(samples, "amsgate_refresh_dead_letters"), 1);
      assert.equal(sampleValue(samples, "amsgate_members_poll_lag_seconds"), 42);
    }
  });

  it("counts AMS calls, refreshes, member changes, runs and GraphQL operations", async () => {
    await sync.app.sync.drainQueue();
    const refused = await gql(
      sync.url,
      `mutation Wrong($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken } }`,
      {
        input: { method: "CREDENTIALS", username: "nobody@example.org", password: "wrong" },
      },
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    await gqlData(sync.url, `query CountMembers { members { totalCount } }`, {}, ADMIN_KEY);
    const samples = await scrape(sync);
    assert.ok(sampleValue(samples, "amsgate_ams_request_duration_seconds_count", { operation: "changedMembers" })! >= 1);
    assert.ok(sampleValue(samples, "amsgate_ams_request_duration_seconds_count", { operation: "fetchMembers" })! >= 1);
    assert.equal(sampleValue(samples, "amsgate_ams_errors_total", { operation: "authenticate", code: "AUTH_REJECTED" }), 1);
    // 50 by the first load, then the three members queued by the test before (manual and login).
    assert.equal(sampleValue(samples, "amsgate_member_refreshes_total", { outcome: "fetched" }), 53);
    assert.equal(sampleValue(samples, "amsgate_member_refreshes_total", { outcome: "missing" }), 1);
    assert.equal(sampleValue(samples, "amsgate_member_changes_total", { kind: "CREATED" }), 50);
    assert.ok(sampleValue(samples, "amsgate_sync_runs_total", { kind: "MANUAL", status: "SUCCEEDED" })! >= 1);
    assert.ok(sampleValue(samples, "amsgate_sync_run_duration_seconds_count", { kind: "MANUAL", status: "SUCCEEDED" })! >= 1);
    assert.equal(sampleValue(samples, "amsgate_graphql_operations_total", { operation: "CountMembers", type: "query", outcome: "ok" }), 1);
    assert.equal(sampleValue(samples, "amsgate_graphql_operations_total", { operation: "Wrong", type: "mutation", outcome: "error" }), 1);
    assert.equal(sampleValue(samples, "amsgate_graphql_operation_duration_seconds_count", { operation: "CountMembers", type: "query" }), 1);
    assert.equal(sampleValue(samples, "amsgate_pubsub_redis_up"), undefined, "no Redis, no Redis gauge");
    assert.ok(sampleValue(samples, "process_cpu_user_seconds_total")! >= 0, "and the process's own metrics");
    // The graph-only process did none of it.
    const other = await scrape(graphOnly);
    assert.equal(sampleValue(other, "amsgate_member_changes_total", { kind: "CREATED" }), undefined);
    assert.equal(sampleValue(other, "amsgate_sync_leader"), 0, "a process that never polls never holds the leader lease");
  });

  it("reports WebSocket connections, active subscriptions and the leader", async () => {
    const { client } = wsClient(sync.url, ADMIN_KEY);
    try {
      const runs = wsCollect<{ syncProgress: { detail: string | null } }>(client, `subscription { syncProgress { detail } }`);
      await untilArrived(
        runs.waitFor((run) => run.syncProgress.detail === "probe"),
        () => gqlData(sync.url, `mutation { refreshMember(key: "probe") { run { id } } }`, {}, ADMIN_KEY),
      );
      sync.app.metrics.watchLeader(async () => true);
      const samples = await scrape(sync);
      assert.equal(sampleValue(samples, "amsgate_websocket_connections"), 1);
      assert.equal(sampleValue(samples, "amsgate_graphql_active_subscriptions"), 1);
      assert.equal(sampleValue(samples, "amsgate_sync_leader"), 1);
      runs.dispose();
    } finally {
      await client.dispose();
    }
  });
});
