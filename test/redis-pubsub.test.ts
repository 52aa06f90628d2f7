import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import Redis from "ioredis";
import { gqlData, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
/** Its own namespace per run: parallel runs on the shared Redis never see each other. */
const NAMESPACE = `test-${randomBytes(6).toString("hex")}`;

describe("pub/sub across gateway processes through Redis", () => {
  let first: TestApp;
  let second: TestApp;

  before(async () => {
    const env = { REDIS_URL, PUBSUB_NAMESPACE: NAMESPACE };
    first = await startTestApp({ env });
    second = await startTestApp({ env, keepData: true });
  });

  after(async () => {
    await second.stop();
    await first.stop();
  });

  it("shows a subscriber on one gateway the runs another gateway starts", { timeout: 20_000 }, async () => {
    const { client } = wsClient(second.url, ADMIN_KEY);
    try {
      const seen: Array<{ id: string; kind: string; detail: string | null }> = [];
      let ready: () => void = () => undefined;
      const subscribed = new Promise<void>((resolve) => (ready = resolve));
      let arrived: (value: { id: string }) => void = () => undefined;
      const wanted = new Promise<{ id: string }>((resolve) => (arrived = resolve));
      let target: string | undefined;
      client.subscribe<{ syncProgress: { id: string; kind: string; detail: string | null } }>(
        { query: `subscription { syncProgress { id kind detail } }` },
        {
          next: (result) => {
            const run = result.data!.syncProgress;
            seen.push(run);
            if (run.detail === "probe") ready();
            if (run.id === target) arrived(run);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
      // Until the subscriber's first event arrives it may not be listening yet: probe on its own gateway.
      while (!seen.some((run) => run.detail === "probe")) {
        await gqlData(second.url, `mutation { refreshMember(key: "probe") { run { id } } }`, {}, ADMIN_KEY);
        await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 100))]);
      }
      const started = await gqlData<any>(first.url, `mutation { refreshMembers(keys: ["R1", "R2"]) { id } }`, {}, ADMIN_KEY);
      target = started.refreshMembers.id;
      const run = seen.find((entry) => entry.id === target) ?? (await wanted);
      assert.equal(run.id, target);
    } finally {
      await client.dispose();
    }
  });

  it("drops a message on its channel whose envelope names another namespace, or is no envelope", { timeout: 20_000 }, async () => {
    const raw = new Redis(REDIS_URL);
    const { client } = wsClient(first.url, ADMIN_KEY);
    try {
      const runs = wsCollect<{ syncProgress: { id: string; detail: string | null } }>(
        client,
        `subscription { syncProgress { id detail } }`,
      );
      await untilArrived(
        runs.waitFor((run) => run.syncProgress.detail === "probe"),
        () => gqlData(first.url, `mutation { refreshMember(key: "probe") { run { id } } }`, {}, ADMIN_KEY),
      );
      const run = (id: string) => ({
        id,
        kind: "MANUAL",
        status: "RUNNING",
        detail: id,
        startedAt: "2026-01-01T00:00:00.000Z",
        finishedAt: null,
        discovered: 0,
        queued: 0,
        refreshed: 0,
        unchanged: 0,
        failed: 0,
      });
      const channel = `amsgate:${NAMESPACE}:sync.run`;
      await raw.publish(channel, JSON.stringify({ ns: "someone-else", payload: run("foreign") }));
      await raw.publish(channel, JSON.stringify(run("bare")));
      await raw.publish(channel, "not json");
      await raw.publish(channel, JSON.stringify({ ns: NAMESPACE, payload: run("ours") }));
      await runs.waitFor((entry) => entry.syncProgress.id === "ours");
      assert.deepEqual(
        runs.seen.filter((entry) => ["foreign", "bare"].includes(entry.syncProgress.id)),
        [],
      );
      assert.deepEqual(runs.errors, []);
    } finally {
      await client.dispose();
      raw.disconnect();
    }
  });
});
