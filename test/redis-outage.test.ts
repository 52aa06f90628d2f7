import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type RunningGateway, startGateway } from "./support/child-process";
import { mysqlConfig, resetDatabase, TEST_DATABASE_URL } from "./support/database";
import { gql, gqlData, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { parsePrometheusText, sampleValue } from "./support/prometheus-text";
import { OwnRedisServer } from "./support/redis-server";
import { ADMIN_KEY } from "./support/test-app";

/** Resolves when the gateway has logged a line matching `pattern` `count` times; rejects if it exits first. */
function logged(gateway: RunningGateway, pattern: RegExp, count = 1, from = 0, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const check = () => {
      if (gateway.lines.slice(from).filter((line) => pattern.test(line)).length >= count) return resolve();
      if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) {
        return reject(
          new Error(`gateway exited (${gateway.child.exitCode ?? gateway.child.signalCode}):\n${gateway.lines.slice(-15).join("\n")}`),
        );
      }
      if (Date.now() - startedAt > timeoutMs) return reject(new Error(`no ${pattern} in ${timeoutMs} ms`));
      setTimeout(check, 20);
    };
    check();
  });
}

async function metric(baseUrl: string, name: string): Promise<number | undefined> {
  return sampleValue(parsePrometheusText(await (await fetch(`${baseUrl}/metrics`)).text()), name);
}

async function readiness(baseUrl: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: await response.json() };
}

/** The real gateway process on its own redis-server, which the test kills and starts again. */
describe("a Redis outage", () => {
  let redis: OwnRedisServer;
  let gateway: RunningGateway;
  let baseUrl: string;

  before(async () => {
    redis = await OwnRedisServer.start();
    await resetDatabase(mysqlConfig());
    gateway = await startGateway({
      PORT: "0",
      NODE_ENV: "test",
      LOG_LEVEL: "debug",
      DATABASE_URL: TEST_DATABASE_URL,
      ADMIN_API_KEYS: ADMIN_KEY,
      REDIS_URL: redis.url,
      PUBSUB_NAMESPACE: `test-${randomBytes(6).toString("hex")}`,
      SYNC_ENABLED: "true",
      DEMO_MEMBERS: "50",
      DEMO_CHANGE_INTERVAL: "0",
      REFRESH_QUEUE_POLL: "100ms",
    });
    baseUrl = new URL(gateway.url).origin;
    // Ready once the first poll (at start) is recorded.
    for (const startedAt = Date.now(); (await readiness(baseUrl)).status !== 200; ) {
      if (Date.now() - startedAt > 20_000) throw new Error("the gateway was not ready within 20 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  after(async () => {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill("SIGTERM");
      await gateway.exited;
    }
    await redis?.kill();
  });

  it("changes nothing but the readiness report, and subscriptions resume when Redis is back", { timeout: 60_000 }, async () => {
    const { client } = wsClient(gateway.url, ADMIN_KEY);
    try {
      const runs = wsCollect<{ syncProgress: { id: string; detail: string | null; status: string } }>(
        client,
        `subscription { syncProgress { id detail status } }`,
      );
      const probe = (key: string) =>
        gqlData(gateway.url, `mutation($key: ID!) { refreshMember(key: $key) { run { id } } }`, { key }, ADMIN_KEY);
      await untilArrived(
        runs.waitFor((run) => run.syncProgress.detail === "probe-before"),
        () => probe("probe-before"),
      );
      assert.equal((await readiness(baseUrl)).body.checks.pubsub, "ok");

      const outageFrom = gateway.lines.length;
      await redis.kill();
      await logged(gateway, /redis connection error|redis unavailable/, 1, outageFrom);

      // Queries and mutations go on; the mutation publishes its run while Redis is away.
      const during = await gqlData<any>(
        gateway.url,
        `mutation { refreshMember(key: "M0000005", wait: true) { run { status } member { key } } }`,
        {},
        ADMIN_KEY,
      );
      assert.equal(during.refreshMember.member.key, "M0000005", "the refresh ran and its end was seen in this process");
      const members = await gql(gateway.url, `{ members { totalCount } }`, {}, ADMIN_KEY);
      assert.equal(members.status, 200);
      assert.ok(members.data!.members.totalCount >= 1);
      const degraded = await readiness(baseUrl);
      assert.deepEqual([degraded.status, degraded.body.status, degraded.body.checks.pubsub], [200, "ready", "degraded"]);
      assert.equal(await metric(baseUrl, "amsgate_pubsub_redis_up"), 0);
      assert.ok((await metric(baseUrl, "amsgate_pubsub_local_deliveries_total"))! >= 1, "events published meanwhile are counted");
      // Well past the retries after which ioredis fails queued commands (MaxRetriesPerRequestError).
      await logged(gateway, /redis connection error/, 8, outageFrom);
      assert.equal(gateway.child.exitCode, null, "the gateway is still running");
      assert.equal((await gql(gateway.url, `{ members { totalCount } }`, {}, ADMIN_KEY)).status, 200);

      const recoveryFrom = gateway.lines.length;
      await redis.restart();
      await logged(gateway, /redis available again/, 1, recoveryFrom);
      assert.equal((await readiness(baseUrl)).body.checks.pubsub, "ok");
      assert.equal(await metric(baseUrl, "amsgate_pubsub_redis_up"), 1);
      // The subscription opened before the outage hears what is published after it.
      await untilArrived(
        runs.waitFor((run) => run.syncProgress.detail === "probe-after"),
        () => probe("probe-after"),
      );
      assert.equal(gateway.child.exitCode, null);
    } catch (error) {
      // What the gateway said last is what explains a failure here.
      const exit = gateway.child.exitCode === null ? "running" : `exited with ${gateway.child.exitCode}`;
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n--- gateway (${exit}):\n${gateway.lines.slice(-8).join("\n")}`,
        { cause: error },
      );
    } finally {
      await client.dispose();
    }
  });
});
