import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Database } from "../src/db/data-source";
import { MemberEntity, RefreshQueueEntity, SyncCursorEntity } from "../src/db/entities";
import { startGateway } from "./support/child-process";
import { mysqlConfig, resetDatabase, TEST_DATABASE_URL } from "./support/database";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { ADMIN_KEY } from "./support/test-app";

const PAGE = 20;
const KEYS = Array.from({ length: 6 * PAGE }, (_, index) => `FL${String(index).padStart(3, "0")}`);

/** Resolves when `check` holds, polling the database between event-loop turns; fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("crash recovery: a gateway killed in the middle of a full load", () => {
  const ams = new InMemoryAms();
  let fake: FakeAms;
  let database: Database;
  /** While set, the listing's fourth page never answers: the load is stuck mid-way. */
  let stuck = true;
  let stuckRequests = 0;
  const fetches = new Map<string, number>();

  before(async () => {
    for (const key of KEYS) ams.setMember(key, memberInfo(key), "2026-11-01T00:00:00Z");
    fake = await startFakeAms(ams, {
      pageSize: PAGE,
      onChangedMembersPage: (pageIndex) => {
        if (!stuck || pageIndex !== 3) return;
        stuckRequests += 1;
        return new Promise<void>(() => undefined);
      },
      beforeMembers: (keys) => {
        for (const key of keys) fetches.set(key, (fetches.get(key) ?? 0) + 1);
      },
    });
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig());
    await database.open();
  });

  after(async () => {
    await fake.close();
    await database.close();
  });

  it("resumes from its checkpoint after SIGKILL: every member written once, none fetched twice, nothing queued", async () => {
    const env = {
      PORT: "0",
      NODE_ENV: "production",
      DATABASE_URL: TEST_DATABASE_URL,
      ADMIN_API_KEYS: ADMIN_KEY,
      AMS_SOURCE: "rest",
      AMS_URL: fake.url,
      AMS_API_KEY: fake.apiKey,
      AMS_TIMEOUT: "30s",
      REFRESH_QUEUE_POLL: "100ms",
      LEADER_LEASE: "2s",
      LOG_LEVEL: "info",
    };
    const members = database.dataSource.getRepository(MemberEntity);
    const cursors = database.dataSource.getRepository(SyncCursorEntity);
    const queue = database.dataSource.getRepository(RefreshQueueEntity);
    const first = await startGateway(env);
    // Pages 0 and 1 are written when the next page arrives; page 2 waits for page 3, which hangs.
    await eventually(async () => stuckRequests > 0 && (await members.count()) === 2 * PAGE, 20_000, "two pages written");
    first.child.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    assert.ok(await cursors.findOneBy({ stream: "members:load" }), "the load's checkpoint survived the crash");
    assert.equal((await cursors.findOneBy({ stream: "members" }))?.cursor ?? null, null, "the cursor did not move mid-load");
    assert.equal(await queue.count(), 0, "the load wrote past the queue");

    stuck = false;
    const second = await startGateway(env);
    try {
      await eventually(async () => (await cursors.findOneBy({ stream: "members:load" })) === null, 30_000, "the resumed load to finish");
      const cached = await members.find({ order: { memberKey: "ASC" } });
      assert.deepEqual(
        cached.map((member) => member.memberKey),
        KEYS,
      );
      assert.equal((await cursors.findOneByOrFail({ stream: "members" })).cursor, "2026-11-01T00:00:00.000Z");
      assert.equal(await queue.count(), 0);
      const twice = [...fetches].filter(([, count]) => count !== 1);
      assert.deepEqual(twice, [], "the restart skipped what the first process had written");
      assert.equal(fetches.size, KEYS.length);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal((await second.exited).code, 0);
    }
  });
});
