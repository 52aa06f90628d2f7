import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, afterEach, describe, it } from "node:test";
import {
  CommunityMembershipEntity,
  MemberEntity,
  RefreshFailureEntity,
  RefreshQueueEntity,
  SyncCursorEntity,
  SyncRunEntity,
} from "../src/db/entities";
import { createLogger } from "../src/observability/logger";
import { RestSource } from "../src/sources/rest/rest.source";
import type { MemberChangeEvent } from "../src/sync/member-change";
import { SYNC_TOPICS } from "../src/sync/sync-events";
import { InMemoryAms, memberInfo, restSourceConfig, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { QUIET, startSyncHarness, type SyncHarness } from "./support/sync-harness";
import { memberRecord as memberRecordOf } from "./support/records";

const committee = (key: string, role: string) => ({
  GroupKey: key,
  GroupName: `Committee ${key}`,
  GroupType: "Committee",
  RoleDescription: role,
});

describe("sync against a fake AMS over HTTP, on MariaDB", () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close();
  });

  async function setUp(
    ams: InMemoryAms,
    options: {
      env?: Record<string, string>;
      pageSize?: number;
      hooks?: Record<string, unknown>;
      logLines?: Array<Record<string, unknown>>;
    } = {},
  ) {
    const fake: FakeAms = await startFakeAms(ams, { pageSize: options.pageSize ?? 500, ...options.hooks });
    open.push(fake);
    const source = new RestSource(restSourceConfig(fake), { logger: QUIET });
    const lines = options.logLines;
    const logger = lines
      ? createLogger("info", new Writable({ write: (chunk, _encoding, done) => done(void lines.push(JSON.parse(String(chunk)))) }))
      : undefined;
    const harness: SyncHarness = await startSyncHarness(source, { env: options.env, logger });
    open.push(harness);
    return { fake, harness };
  }
  const members = (harness: SyncHarness) => harness.database.dataSource.getRepository(MemberEntity);

  it("never skips: a change that lands behind the pages being read is picked up by the next poll", async () => {
    const ams = new InMemoryAms();
    for (const [key, at] of [
      ["A", "10:00"],
      ["B", "10:01"],
      ["C", "10:02"],
      ["D", "10:03"],
    ] as const) {
      ams.setMember(key, memberInfo(key, { Title: "before" }), `2026-11-23T${at}:00Z`);
    }
    let harness: SyncHarness | undefined;
    const { harness: created } = await setUp(ams, {
      pageSize: 1,
      hooks: {
        onChangedMembersPage: async (pageIndex: number) => {
          if (pageIndex !== 2 || !harness) return;
          // A was listed (page 0) and is refreshed now, mid-poll. Then A changes at 12:05, behind
          // the pages, and D, still to be listed, changes at 12:10: the newest time this poll sees.
          // A worker woken by the queueing may hold A already, and drainQueue leaves held rows to
          // it: wait for A's write, or the worker could fetch A after the change below.
          for (let round = 0; round < 100 && !(await members(harness).findOneBy({ memberKey: "A" })); round += 1) {
            await harness.engine.drainQueue();
          }
          harness.clock.set("2026-11-23T12:10:00Z");
          ams.setMember("A", memberInfo("A", { Title: "after" }), "2026-11-23T12:05:00Z");
          ams.setMember("D", memberInfo("D", { Title: "after" }), "2026-11-23T12:10:00Z");
        },
      },
    });
    harness = created;
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "A" })).title, "before", "A was refreshed before it changed");
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "D" })).title, "after");
    harness.clock.advance(15 * 60_000);
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "A" })).title, "after", "the next poll picked A up");
  });

  it("advances the cursor with the last page in one transaction, and not at all when nothing changed", async () => {
    const ams = new InMemoryAms();
    ams.setMember("A", memberInfo("A"), "2026-11-20T08:00:00Z");
    const { harness } = await setUp(ams);
    const cursor = async () => (await harness.engine.service.status()).cursors.find((row) => row.stream === "members");
    const first = await harness.engine.internals.poller.pollMembers("PERIODIC");
    // The first load (no cursor yet) writes past the queue, in the transaction that moves the cursor.
    assert.deepEqual([first?.kind, first?.discovered, first?.queued, first?.refreshed], ["PERIODIC", 1, 0, 1]);
    assert.equal((await cursor())?.cursor, "2026-11-20T08:00:00.000Z");
    assert.equal(await harness.database.dataSource.getRepository(RefreshQueueEntity).count(), 0, "nothing queued");
    assert.equal(await harness.database.dataSource.getRepository(MemberEntity).count(), 1, "written with the cursor");
    await harness.engine.drainQueue();
    harness.clock.advance(3 * 24 * 60 * 60_000);
    const quiet = await harness.engine.internals.poller.pollMembers("PERIODIC");
    // The overlap lists A again; the cache already holds that version, so nothing is queued.
    assert.deepEqual([quiet?.discovered, quiet?.queued], [1, 0]);
    assert.equal((await cursor())?.cursor, "2026-11-20T08:00:00.000Z", "a poll that finds nothing leaves the cursor");
    assert.equal(quiet?.status, "SUCCEEDED");
  });

  it("writes a full resync past the queue, queueing only cached members the AMS no longer lists", async () => {
    const ams = new InMemoryAms();
    for (const key of ["A", "B", "C"]) ams.setMember(key, memberInfo(key, { Title: "before" }), "2026-11-20T08:00:00Z");
    const { harness } = await setUp(ams, { pageSize: 2 });
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    assert.equal(await members(harness).count(), 3);
    // C drops out of the AMS's listing altogether; A changes.
    ams.clear();
    ams.setMember("A", memberInfo("A", { Title: "after" }), "2026-11-21T08:00:00Z");
    ams.setMember("B", memberInfo("B", { Title: "before" }), "2026-11-20T08:00:00Z");
    harness.clock.advance(60_000);
    const queue = harness.database.dataSource.getRepository(RefreshQueueEntity);
    const full = await harness.engine.internals.poller.pollMembers("FULL");
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "A" })).title, "after", "written before any worker ran");
    assert.deepEqual(
      (await queue.find()).map((row) => row.memberKey),
      ["C"],
    );
    assert.deepEqual([full?.discovered, full?.queued, full?.refreshed, full?.unchanged], [2, 1, 1, 1]);
    const cursors = harness.database.dataSource.getRepository(SyncCursorEntity);
    assert.equal(await cursors.countBy({ stream: "members:load" }), 0, "the load's checkpoint is gone once it is complete");
    await harness.engine.drainQueue();
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "C" })).status, "DISABLED");
    assert.equal((await harness.engine.internals.ledger.get(full!.id))?.status, "SUCCEEDED");
  });

  it("lets two workers on two connection pools never refresh one member at once", async () => {
    const ams = new InMemoryAms();
    const keys = Array.from({ length: 120 }, (_, index) => `W${String(index).padStart(3, "0")}`);
    for (const key of keys) ams.setMember(key, memberInfo(key), "2026-11-01T00:00:00Z");
    const inFlight = new Map<string, number>();
    const fetches = new Map<string, number>();
    let overlaps = 0;
    const { fake, harness } = await setUp(ams, {
      env: { REFRESH_BATCH_SIZE: "7" },
      hooks: {
        beforeMembers: async (requested: string[]) => {
          for (const key of requested) {
            if ((inFlight.get(key) ?? 0) > 0) overlaps += 1;
            inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
            fetches.set(key, (fetches.get(key) ?? 0) + 1);
          }
          await new Promise((resolve) => setImmediate(resolve));
          for (const key of requested) inFlight.set(key, inFlight.get(key)! - 1);
        },
      },
    });
    const second = await startSyncHarness(new RestSource(restSourceConfig(fake), { logger: QUIET }), {
      keepData: true,
      clock: harness.clock,
      env: { REFRESH_BATCH_SIZE: "7" },
    });
    open.push(second);
    await harness.engine.service.refreshMembers(keys);
    const [a, b] = await Promise.all([harness.engine.drainQueue(), second.engine.drainQueue()]);
    assert.equal(overlaps, 0, "no member was fetched by both at once");
    assert.ok(a.length > 0 && b.length > 0, "both workers took part");
    assert.equal(await members(harness).count(), 120);
    assert.ok(
      [...fetches.values()].every((count) => count === 1),
      "each member refreshed exactly once",
    );
  });

  it("dead-letters a poison record after exactly maxAttempts while the others flow, and retries it on request", async () => {
    const ams = new InMemoryAms();
    for (const key of ["G1", "G2", "G3"]) ams.setMember(key, memberInfo(key), "2026-11-01T00:00:00Z");
    ams.setMember("POISON", memberInfo("POISON", { FirstName: { not: "a string" } }), "2026-11-01T00:00:00Z");
    let poisonFetches = 0;
    const { harness } = await setUp(ams, {
      env: { REFRESH_MAX_ATTEMPTS: "3", REFRESH_BACKOFF_BASE: "10s" },
      hooks: { beforeMembers: async (requested: string[]) => void (poisonFetches += requested.includes("POISON") ? 1 : 0) },
    });
    const run = await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    assert.equal(await members(harness).count(), 3, "the good members did not wait for the bad one");
    for (let attempt = 2; attempt <= 3; attempt += 1) {
      assert.equal(await harness.database.dataSource.getRepository(RefreshFailureEntity).count(), 0);
      harness.clock.advance(60_000);
      await harness.engine.drainQueue();
    }
    harness.clock.advance(60 * 60_000);
    await harness.engine.drainQueue();
    // The first load's own fetch found it bad and queued it; the workers then tried maxAttempts times.
    assert.equal(poisonFetches, 1 + 3, "fetched by the load, then exactly maxAttempts times from the queue");
    const [failure] = await harness.database.dataSource.getRepository(RefreshFailureEntity).find();
    assert.deepEqual([failure?.memberKey, failure?.attempts, failure?.errorCode], ["POISON", 3, "CONTRACT_VIOLATION"]);
    assert.match(failure!.lastError!, /FirstName/);
    const finished = await harness.engine.internals.ledger.get(run!.id);
    assert.deepEqual([finished?.status, finished?.refreshed, finished?.failed], ["PARTIAL", 3, 1]);

    ams.setMember("POISON", memberInfo("POISON", { FirstName: "Fixed" }), "2026-11-02T00:00:00Z");
    const retry = await harness.engine.service.retryRefreshFailures(["POISON"]);
    await harness.engine.drainQueue();
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "POISON" })).firstName, "Fixed");
    assert.equal(await harness.database.dataSource.getRepository(RefreshFailureEntity).count(), 0);
    assert.equal((await harness.engine.internals.ledger.get(retry.id))?.status, "SUCCEEDED");
  });

  it("removes a committee the AMS no longer lists, and flips isMember when a membership lapses with no AMS change", async () => {
    const ams = new InMemoryAms();
    const details = { MemberType: "Regular", MemberSince: "2020-01-01", MemberExpiresOn: "2026-11-24" };
    ams.setMember(
      "M",
      memberInfo("M", details, { CommunityGroups: [committee("FIN", "Chair"), committee("AUD", "Member")] }),
      "2026-11-01T00:00:00Z",
    );
    const { harness } = await setUp(ams);
    const changes: MemberChangeEvent[] = [];
    const iterator = harness.channel.subscribe(SYNC_TOPICS.member)[Symbol.asyncIterator]();
    const collecting = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        changes.push(next.value as MemberChangeEvent);
      }
    })();
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    const memberships = () => harness.database.dataSource.getRepository(CommunityMembershipEntity).findBy({ memberKey: "M" });
    assert.deepEqual((await memberships()).map((row) => row.communityKey).sort(), ["AUD", "FIN"]);

    ams.setMember("M", memberInfo("M", details, { CommunityGroups: [committee("AUD", "Member")] }), "2026-11-23T12:30:00Z");
    harness.clock.advance(60 * 60_000);
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    assert.deepEqual(
      (await memberships()).map((row) => row.communityKey),
      ["AUD"],
    );

    assert.equal((await members(harness).findOneByOrFail({ memberKey: "M" })).isMember, true);
    harness.clock.set("2026-11-25T09:00:00Z");
    const swept = await harness.engine.internals.sweep.sweep();
    assert.deepEqual(swept, { examined: 1, changed: 1 });
    const lapsed = await members(harness).findOneByOrFail({ memberKey: "M" });
    assert.deepEqual([lapsed.isMember, lapsed.status], [false, "EXPIRED"]);
    const [sweepRun] = await harness.database.dataSource.getRepository(SyncRunEntity).find({ where: { kind: "SWEEP" } });
    assert.deepEqual([sweepRun?.status, sweepRun?.discovered, sweepRun?.refreshed], ["SUCCEEDED", 1, 1]);
    await iterator.return?.();
    await collecting;
    const removal = changes.find((change) => change.communitiesRemoved.length > 0);
    assert.deepEqual(removal?.communitiesRemoved, [{ key: "FIN", role: "Chair" }]);
    const lapse = changes.at(-1)!;
    assert.deepEqual(lapse.changedFields, ["isMember", "status"]);
    assert.ok(lapse.securityGroupsRemoved.some((group) => group.key === "IsMember"));
  });

  it("counts an answer it cannot read against the members it was for, up to the dead letters", async () => {
    // An AMS that answers /members with a page of HTML: not an outage, so attempts count.
    const server = createServer((request, response) => {
      if (request.url?.startsWith("/members")) {
        response.writeHead(200, { "content-type": "application/json" }).end("<html>maintenance</html>");
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const source = new RestSource({ url, apiKey: "k", timeoutMs: 2_000, retries: 0, retryBaseMs: 0 }, { logger: QUIET });
    const harness = await startSyncHarness(source, { env: { REFRESH_MAX_ATTEMPTS: "2", REFRESH_BACKOFF_BASE: "1s" } });
    open.push(harness);
    await harness.engine.service.refreshMembers(["X1"]);
    await harness.engine.drainQueue();
    harness.clock.advance(60_000);
    await harness.engine.drainQueue();
    const [failure] = await harness.database.dataSource.getRepository(RefreshFailureEntity).find();
    assert.deepEqual([failure?.memberKey, failure?.attempts, failure?.errorCode], ["X1", 2, "CONTRACT_VIOLATION"]);
  });

  it("logs each run's end once, with its counts; a failed poll at warn with the reason", async () => {
    const ams = new InMemoryAms();
    ams.setMember("A", memberInfo("A"), "2026-11-01T00:00:00Z");
    ams.setMember("B", memberInfo("B"), "2026-11-01T00:01:00Z");
    const lines: Array<Record<string, unknown>> = [];
    let listingFails = false;
    const { harness } = await setUp(ams, {
      logLines: lines,
      hooks: {
        onChangedMembersPage: async () => {
          if (listingFails) throw new Error("simulated outage");
        },
      },
    });
    const run = await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    const ended = () => lines.filter((line) => line.msg === "sync run ended");
    assert.equal(ended().length, 1);
    assert.deepEqual(
      { ...ended()[0], time: undefined },
      {
        level: "info",
        time: undefined,
        service: "amsgate",
        runId: run!.id,
        kind: "PERIODIC",
        status: "SUCCEEDED",
        discovered: 2,
        queued: 0,
        refreshed: 2,
        unchanged: 0,
        failed: 0,
        durationMs: 0,
        msg: "sync run ended",
      },
    );

    harness.clock.advance(30_000);
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    assert.equal(ended().length, 1, "a poll that finds nothing ends at debug, not info");

    listingFails = true;
    harness.clock.advance(60_000);
    const failed = await harness.engine.internals.poller.pollMembers("PERIODIC");
    assert.equal(ended().length, 2);
    assert.deepEqual([ended()[1]!.runId, ended()[1]!.level, ended()[1]!.status], [failed!.id, "warn", "FAILED"]);
    assert.match(String(ended()[1]!.detail), /changed-members answered 500/);
  });

  it("gives a batch back for as long as the AMS's Retry-After asks, when that is longer than its own back-off", async () => {
    const server = createServer((request, response) => {
      if (request.url?.startsWith("/members")) {
        response.writeHead(503, { "content-type": "application/json", "retry-after": "900" }).end(JSON.stringify({ error: "maintenance" }));
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const source = new RestSource({ url, apiKey: "k", timeoutMs: 2_000, retries: 2, retryBaseMs: 0 }, { logger: QUIET });
    const harness = await startSyncHarness(source, { env: { REFRESH_BACKOFF_BASE: "1s" } });
    open.push(harness);
    await harness.engine.service.refreshMembers(["X1"]);
    const [report] = await harness.engine.drainQueue();
    assert.deepEqual([report?.claimed, report?.released], [1, 1]);
    const [row] = await harness.database.dataSource.getRepository(RefreshQueueEntity).find();
    assert.deepEqual([row?.attempts, row?.lastErrorCode], [0, "TEMPORARY"]);
    assert.equal(row!.nextAttemptAt.getTime() - harness.clock.now().getTime(), 900_000);
  });

  it("skips scheduled polls while the AMS's Retry-After on a failed poll lasts", async () => {
    let listings = 0;
    let down = true;
    const server = createServer((request, response) => {
      if (!request.url?.startsWith("/changed-members")) return void response.writeHead(404).end();
      listings += 1;
      if (down) return void response.writeHead(503, { "retry-after": "600" }).end(JSON.stringify({ error: "maintenance" }));
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ changes: [], next: null }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const source = new RestSource({ url, apiKey: "k", timeoutMs: 2_000, retries: 2, retryBaseMs: 0 }, { logger: QUIET });
    const harness = await startSyncHarness(source);
    open.push(harness);

    assert.equal((await harness.engine.internals.poller.pollWhenDue())?.status, "FAILED");
    assert.equal(listings, 1, "a 600 s Retry-After is not retried in-call");
    down = false;
    harness.clock.advance(599_000);
    assert.equal(await harness.engine.internals.poller.pollWhenDue(), undefined);
    assert.equal(listings, 1, "no call to the AMS while it asked for a pause");
    harness.clock.advance(1_000);
    assert.equal((await harness.engine.internals.poller.pollWhenDue())?.status, "SUCCEEDED");
    assert.equal(listings, 2);
  });

  it("gives a batch back uncounted while the AMS is down, then refreshes it", async () => {
    const ams = new InMemoryAms();
    ams.setMember("A", memberInfo("A"), "2026-11-01T00:00:00Z");
    let down = true;
    const { harness } = await setUp(ams, {
      hooks: {
        beforeMembers: async () => {
          if (down) throw new Error("simulated outage");
        },
      },
    });
    await harness.engine.service.refreshMembers(["A"]);
    const [report] = await harness.engine.drainQueue();
    assert.deepEqual([report?.claimed, report?.released], [1, 1]);
    const [row] = await harness.database.dataSource.getRepository(RefreshQueueEntity).find();
    assert.deepEqual([row?.attempts, row?.lastErrorCode], [0, "TEMPORARY"]);
    down = false;
    harness.clock.advance(60_000);
    await harness.engine.drainQueue();
    assert.equal(await members(harness).count(), 1);
  });

  it("writes records handed in whole through the intake, one refused record failing alone", async () => {
    const { harness } = await setUp(new InMemoryAms());
    const { intake, ledger } = harness.engine.internals;
    const changes: MemberChangeEvent[] = [];
    const iterator = harness.channel.subscribe(SYNC_TOPICS.member)[Symbol.asyncIterator]();
    const reading = (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) changes.push(next.value as MemberChangeEvent);
    })();
    const run = await ledger.start("MANUAL", "pushed");
    const good = memberRecordOf("PUSH1");
    // Longer than any column takes: the cache refuses it.
    const bad = { ...memberRecordOf("PUSH2"), lastName: "x".repeat(5_000) };
    const results = await intake.writeRecords({ runId: run.id, records: [good, bad] });
    await ledger.endDiscovery(run.id);
    assert.deepEqual(
      results.find((result) => result.memberKey === "PUSH1"),
      { memberKey: "PUSH1", outcome: "refreshed" },
    );
    assert.match((results.find((result) => result.memberKey === "PUSH2") as { error: string }).error, /cache refused/);
    assert.deepEqual(
      (await members(harness).find()).map((member) => member.memberKey),
      ["PUSH1"],
    );
    const again = await intake.writeRecords({ runId: run.id, records: [good] });
    assert.deepEqual(again, [{ memberKey: "PUSH1", outcome: "unchanged" }], "the same record twice changes nothing");
    const ended = await ledger.get(run.id);
    assert.deepEqual([ended?.status, ended?.discovered, ended?.refreshed, ended?.unchanged, ended?.failed], ["PARTIAL", 3, 1, 1, 1]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await iterator.return?.();
    await reading;
    assert.deepEqual(
      changes.map((change) => [change.memberKey, change.kind]),
      [["PUSH1", "CREATED"]],
    );
  });

  it("does not queue a recorded removal again when the overlap lists it once more", async () => {
    const ams = new InMemoryAms();
    ams.setMember("R1", memberInfo("R1"), "2026-11-20T00:00:00Z");
    const { harness } = await setUp(ams);
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    ams.removeMember("R1", "2026-11-22T00:00:00Z");
    await harness.engine.internals.poller.pollMembers("PERIODIC");
    await harness.engine.drainQueue();
    assert.equal((await members(harness).findOneByOrFail({ memberKey: "R1" })).status, "DISABLED");
    // The next poll reads from the cursor less the overlap, so it lists the removal again.
    const again = await harness.engine.internals.poller.pollMembers("PERIODIC");
    assert.deepEqual([again?.discovered, again?.queued], [1, 0], "listed again, but not queued again");
  });
});

after(() => undefined);
