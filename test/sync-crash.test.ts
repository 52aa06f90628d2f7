import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Database } from "../src/db/data-source";
import { MemberEntity, RefreshQueueEntity, SyncCursorEntity } from "../src/db/entities";
import { startGateway } from "./support/child-process";
import { mysqlConfig, resetDatabase, TEST_DATABASE_URL } from "./support/database";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { ADMIN_KEY } from "./support/test-app";

const KEYS = Array.from({ length: 40 }, (_, index) => `CR${String(index).padStart(2, "0")}`);

/** Resolves when `check` holds, polling the database between event-loop turns; fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("crash recovery: a gateway killed between enqueue and refresh loses no member", () => {
  const ams = new InMemoryAms();
  let fake: FakeAms;
  let database: Database;
  let hold: (() => void) | undefined;
  let heldRequests = 0;

  before(async () => {
    for (const key of KEYS) ams.setMember(key, memberInfo(key), "2026-11-01T00:00:00Z");
    fake = await startFakeAms(ams, {
      // While `hold` is set, /members never answers: the gateway has queued but cannot refresh.
      beforeMembers: () => {
        if (!hold) return;
        heldRequests += 1;
        return new Promise<void>((resolve) => {
          const release = hold!;
          hold = () => {
            release();
            resolve();
          };
        });
      },
    });
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig());
    await database.open();
  });

  after(async () => {
    hold?.();
    await fake.close();
    await database.close();
  });

  const env = {
    PORT: "0",
    NODE_ENV: "production",
    DATABASE_URL: TEST_DATABASE_URL,
    ADMIN_API_KEYS: ADMIN_KEY,
    AMS_SOURCE: "rest",
    AMS_URL: "",
    AMS_API_KEY: "",
    AMS_TIMEOUT: "1s",
    REFRESH_LEASE: "2s",
    REFRESH_QUEUE_POLL: "100ms",
    REFRESH_BATCH_SIZE: "10",
    LOG_LEVEL: "info",
  };

  it("replays the queue after SIGKILL: every queued key is refreshed after restart", async () => {
    env.AMS_URL = fake.url;
    env.AMS_API_KEY = fake.apiKey;
    hold = () => undefined;
    const first = await startGateway(env);
    const queue = database.dataSource.getRepository(RefreshQueueEntity);
    await eventually(async () => heldRequests > 0 && (await queue.count()) === KEYS.length, 20_000, "the first poll to queue every key");
    const cursor = await database.dataSource.getRepository(SyncCursorEntity).findOneByOrFail({ stream: "members" });
    assert.equal(cursor.cursor, "2026-11-01T00:00:00.000Z", "the cursor moved with the queue");
    first.child.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    assert.equal(await database.dataSource.getRepository(MemberEntity).count(), 0, "nothing was refreshed before the crash");
    assert.equal(await queue.count(), KEYS.length, "the queue survived the crash");

    const released = hold;
    hold = undefined;
    released?.();
    const second = await startGateway(env);
    try {
      await eventually(async () => (await queue.count()) === 0, 30_000, "the restarted gateway to drain the queue");
      const cached = await database.dataSource.getRepository(MemberEntity).find({ order: { memberKey: "ASC" } });
      assert.deepEqual(
        cached.map((member) => member.memberKey),
        KEYS,
      );
    } finally {
      second.child.kill("SIGTERM");
      assert.equal((await second.exited).code, 0);
    }
  });
});
