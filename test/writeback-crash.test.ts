import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Database } from "../src/db/data-source";
import { WritebackOutboxEntity } from "../src/db/entities";
import { AmsHttpServer } from "../src/sources/demo/ams-http.server";
import { type RunningGateway, startGateway } from "./support/child-process";
import { TEST_DATABASE_URL, mysqlConfig, resetDatabase } from "./support/database";
import { seedMembers } from "./support/fixtures";
import { gqlData } from "./support/graphql-client";
import { InMemoryAms } from "./support/in-memory-ams";
import { ADMIN_KEY } from "./support/test-app";
import { completion, LMS_KEY, RECORD_MANY } from "./support/writeback-harness";

const COMPLETIONS = 20;
const AMS_KEY = "crash-test-ams-key";

/** Resolves when `check` holds, looking again between short waits; fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a gateway SIGKILLed between accept and send, and mid-send, loses nothing and records nothing twice", { timeout: 180_000 }, () => {
  const ams = new InMemoryAms();
  let firstArrived!: () => void;
  const firstPost = new Promise<void>((resolve) => {
    firstArrived = resolve;
  });
  let hung = false;
  // The AMS records the first activity it is sent and then never answers: the sender dies mid-send.
  const server = new AmsHttpServer(ams, {
    apiKey: AMS_KEY,
    afterActivity: async () => {
      if (hung) return;
      hung = true;
      firstArrived();
      await new Promise<never>(() => undefined);
    },
  });
  let amsUrl: string;
  let database: Database;
  const gateways: RunningGateway[] = [];

  const env = (extra: Record<string, string>) => ({
    PORT: "0",
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    DATABASE_URL: TEST_DATABASE_URL,
    ADMIN_API_KEYS: ADMIN_KEY,
    LMS_API_KEYS: LMS_KEY,
    AMS_SOURCE: "rest",
    AMS_URL: amsUrl,
    AMS_API_KEY: AMS_KEY,
    AMS_TIMEOUT: "1s",
    AMS_RETRIES: "0",
    SYNC_ENABLED: "false",
    WRITEBACK_ENABLED: "true",
    WRITEBACK_LEASE: "2s",
    WRITEBACK_POLL: "200ms",
    WRITEBACK_CONCURRENCY: "1",
    ...extra,
  });
  const start = async (extra: Record<string, string>) => {
    const gateway = await startGateway(env(extra), 60_000);
    gateways.push(gateway);
    return gateway;
  };
  const kill = async (gateway: RunningGateway) => {
    gateway.child.kill("SIGKILL");
    assert.equal((await gateway.exited).signal, "SIGKILL");
  };

  before(async () => {
    amsUrl = await server.listen(0);
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig());
  });

  after(async () => {
    for (const gateway of gateways) gateway.child.kill("SIGKILL");
    await Promise.all(gateways.map((gateway) => gateway.exited));
    await server.close();
    if (database.dataSource.isInitialized) await database.close();
  });

  it("re-sends under the same idempotency key after the crash, so the AMS ends with exactly one activity per key", async () => {
    // 1. Accepted, then killed before any send: batch mode, the next run an hour away.
    const accepting = await start({ WRITEBACK_MODE: "batch", WRITEBACK_SCHEDULE: "1h" });
    await database.dataSource.initialize();
    await seedMembers(database.dataSource, [
      { memberKey: "M1", firstName: "Ada", lastName: "One" },
      { memberKey: "M2", firstName: "Bo", lastName: "Two" },
    ]);
    const inputs = Array.from({ length: COMPLETIONS }, (_, index) => completion(`crash-${index}`, index % 2 ? "M1" : "M2"));
    const answer = await gqlData<{ recordCompletions: Array<{ outcome: string }> }>(accepting.url, RECORD_MANY, { inputs }, LMS_KEY);
    assert.deepEqual(new Set(answer.recordCompletions.map((row) => row.outcome)), new Set(["ACCEPTED"]));
    await kill(accepting);
    assert.equal(server.activityPosts.size, 0, "nothing was sent before the crash");
    const outbox = database.dataSource.getRepository(WritebackOutboxEntity);
    assert.equal(await outbox.countBy({ status: "PENDING" }), COMPLETIONS, "every accepted completion survived the crash");

    // 2. A dispatcher claims them, sends the first, and dies while the AMS holds its answer.
    const sending = await start({ WRITEBACK_MODE: "immediate" });
    await firstPost;
    await kill(sending);
    assert.equal(server.activityPosts.size, 1, "one send was in flight");
    const [inFlight] = [...server.activityPosts.keys()];
    assert.equal(await outbox.countBy({ status: "SENT" }), 0, "the killed sender never marked it sent");

    // 3. Two dispatchers share what is left once the dead one's leases run out.
    const [first, second] = await Promise.all([start({ WRITEBACK_MODE: "immediate" }), start({ WRITEBACK_MODE: "immediate" })]);
    await eventually(async () => (await outbox.countBy({ status: "SENT" })) === COMPLETIONS, 60_000, "every completion to be SENT");

    const keys = inputs.map((input) => input.idempotencyKey);
    assert.deepEqual(ams.recorded.map((activity) => activity.idempotencyKey).sort(), [...keys].sort(), "exactly one activity per key");
    const posts = keys.map((key) => [key, server.activityPosts.get(key)]);
    assert.deepEqual(
      posts,
      keys.map((key) => [key, key === inFlight ? 2 : 1]),
      "only the send cut off mid-flight went twice, under its own key; no row was sent by two processes",
    );
    const resent = await outbox.findOneByOrFail({ idempotencyKey: inFlight });
    assert.ok(resent.attempts >= 2, "the lost claim counted as an attempt");
    await Promise.all([kill(first), kill(second)]);
  });
});
