import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Database } from "../src/db/data-source";
import { MemberEntity, RefreshQueueEntity, SyncRunEntity } from "../src/db/entities";
import { type RunningGateway, startGateway } from "./support/child-process";
import { TEST_DATABASE_URL, mysqlConfig, resetDatabase } from "./support/database";
import { gqlData } from "./support/graphql-client";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { ADMIN_KEY } from "./support/test-app";

const MEMBERS = 300;
const KEYS = Array.from({ length: MEMBERS }, (_, index) => `MP${String(index).padStart(4, "0")}`);

/** Resolves when `check` holds, looking again between short waits; fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Status {
  syncStatus: { leader: string | null; pendingRefreshCount: number; running: Array<{ id: string; kind: string }> };
}

describe("three gateway processes on one database", { timeout: 240_000 }, () => {
  const ams = new InMemoryAms();
  let fake: FakeAms;
  let database: Database;
  let listings = 0;
  const countListing = (page: number) => {
    if (page === 0) listings += 1;
  };
  /** What the fake AMS does before each page of /changed-members; tests swap it. */
  let pageHook: (page: number) => Promise<void> | void = countListing;
  const gateways: RunningGateway[] = [];

  const env = () => ({
    PORT: "0",
    NODE_ENV: "test",
    DATABASE_URL: TEST_DATABASE_URL,
    ADMIN_API_KEYS: ADMIN_KEY,
    AMS_SOURCE: "rest",
    AMS_URL: fake.url,
    AMS_API_KEY: fake.apiKey,
    AMS_TIMEOUT: "2s",
    AMS_RETRY_BASE: "50ms",
    REFRESH_INTERVAL: "2s",
    EVENT_REFRESH_INTERVAL: "1h",
    LEADER_LEASE: "3s",
    REFRESH_LEASE: "5s",
    REFRESH_QUEUE_POLL: "100ms",
    REFRESH_BATCH_SIZE: "25",
    LOG_LEVEL: "info",
  });
  const status = (gateway: RunningGateway) =>
    gqlData<Status>(gateway.url, `{ syncStatus { leader pendingRefreshCount running { id kind } } }`, {}, ADMIN_KEY);
  const instanceOf = (gateway: RunningGateway) => `:${gateway.child.pid}:`;

  before(async () => {
    for (const key of KEYS) ams.setMember(key, memberInfo(key), "2026-11-01T00:00:00Z");
    fake = await startFakeAms(ams, {
      pageSize: 50,
      onChangedMembersPage: (page) => pageHook(page),
    });
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig());
  });

  after(async () => {
    for (const gateway of gateways) gateway.child.kill("SIGKILL");
    await Promise.all(gateways.map((gateway) => gateway.exited));
    await fake.close();
    if (database.dataSource.isInitialized) await database.close();
  });

  it("all start at once on an empty database, one leads and polls, and a killed leader is replaced", async () => {
    // Simultaneous first start: the migrations run once, under a lock; nobody crashes.
    gateways.push(...(await Promise.all([startGateway(env(), 60_000), startGateway(env(), 60_000), startGateway(env(), 60_000)])));
    await database.dataSource.initialize();
    const members = database.dataSource.getRepository(MemberEntity);
    await eventually(async () => (await members.count()) === MEMBERS, 90_000, "the first full load");

    // Exactly one leader, the same one whichever process is asked.
    const leaders = new Set((await Promise.all(gateways.map(status))).map((answer) => answer.syncStatus.leader));
    assert.equal(leaders.size, 1);
    const leader = [...leaders][0]!;
    assert.ok(leader, "someone leads");
    const leading = gateways.find((gateway) => leader.includes(instanceOf(gateway)))!;
    assert.ok(leading, "the leader is one of the three");

    // One poll per interval across the three, not one per process.
    const before = listings;
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const intervals = (Date.now() - started) / 2_000;
    const polls = listings - before;
    assert.ok(polls <= Math.ceil(intervals) + 1, `${polls} polls in ${intervals.toFixed(1)} intervals`);
    assert.ok(polls >= 1, "the leader keeps polling");

    // The leader dies: another process leads within a lease, and polling goes on.
    leading.child.kill("SIGKILL");
    await leading.exited;
    const survivors = gateways.filter((gateway) => gateway !== leading);
    await eventually(
      async () => {
        const next = (await status(survivors[0]!)).syncStatus.leader;
        return next !== null && next !== leader && survivors.some((gateway) => next.includes(instanceOf(gateway)));
      },
      20_000,
      "a survivor to take the lead",
    );
    const afterTakeover = listings;
    await eventually(async () => listings > afterTakeover, 20_000, "the new leader to poll");
  });

  it("a full resync asked of a follower while the leader polls is queued, never dropped", async () => {
    const alive = gateways.filter((gateway) => gateway.child.exitCode === null && gateway.child.signalCode === null);
    const answers = await Promise.all(
      alive.map((gateway) =>
        gqlData<{ fullResync: { id: string; status: string } }>(gateway.url, `mutation { fullResync { id status } }`, {}, ADMIN_KEY),
      ),
    );
    const runs = database.dataSource.getRepository(SyncRunEntity);
    for (const { fullResync } of answers) {
      assert.equal(fullResync.status, "RUNNING");
      await eventually(
        async () => (await runs.findOneByOrFail({ id: fullResync.id })).status !== "RUNNING",
        90_000,
        `full resync ${fullResync.id} to finish`,
      );
      const run = await runs.findOneByOrFail({ id: fullResync.id });
      assert.equal(run.status, "SUCCEEDED", run.detail ?? "");
      // The leader writes its load past the queue; a follower queues it: either way every member counts.
      assert.ok(run.refreshed + run.unchanged >= MEMBERS, `run ${run.id} refreshed ${run.refreshed}, unchanged ${run.unchanged}`);
    }
  });

  it("leaves no run RUNNING for a process killed while discovering, and no queue behind", async () => {
    const alive = gateways.filter((gateway) => gateway.child.exitCode === null && gateway.child.signalCode === null);
    const victim = alive[0]!;
    // Hold the listing so the victim's run is still discovering when it dies.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    pageHook = () => held;
    const { fullResync } = await gqlData<{ fullResync: { id: string } }>(victim.url, `mutation { fullResync { id } }`, {}, ADMIN_KEY);
    victim.child.kill("SIGKILL");
    await victim.exited;
    release();
    pageHook = countListing;
    const runs = database.dataSource.getRepository(SyncRunEntity);
    await eventually(
      async () => (await runs.findOneByOrFail({ id: fullResync.id })).status !== "RUNNING",
      30_000,
      "the dead process's run to be failed",
    );
    assert.match((await runs.findOneByOrFail({ id: fullResync.id })).detail ?? "", /process discovering this run stopped/);
    const survivor = alive[1]!;
    assert.ok(!(await status(survivor)).syncStatus.running.some((run) => run.id === fullResync.id));
    await eventually(async () => (await database.dataSource.getRepository(RefreshQueueEntity).count()) === 0, 60_000, "the queue to drain");
    assert.equal(await database.dataSource.getRepository(MemberEntity).count(), MEMBERS);
  });
});
