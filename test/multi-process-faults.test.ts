import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Database } from "../src/db/data-source";
import { MemberEntity, SyncRunEntity } from "../src/db/entities";
import { AmsHttpServer } from "../src/sources/demo/ams-http.server";
import { DemoAssociation } from "../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../src/sources/demo/demo-dataset";
import { ManualClock } from "../src/time/clock";
import { type RunningGateway, startGateway } from "./support/child-process";
import { TEST_DATABASE_URL, mysqlConfig, resetDatabase, secondTestDatabaseUrl } from "./support/database";
import { gqlData, wsClient, wsCollect } from "./support/graphql-client";
import { OwnRedisServer } from "./support/redis-server";
import { seededRandom as seeded } from "./support/scripted-random";
import { ADMIN_KEY } from "./support/test-app";

const MEMBERS = 3_000;

/** Resolves when `check` holds, looking again between short waits; fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const alive = (gateway: RunningGateway) => gateway.child.exitCode === null && gateway.child.signalCode === null;

describe("three processes load 3,000 members through faults, a killed leader, a killed worker and a Redis restart", {
  timeout: 300_000,
}, () => {
  const association = new DemoAssociation({ seed: 7, members: MEMBERS, clock: new ManualClock("2026-11-23T12:00:00.000Z") });
  let ams: AmsHttpServer;
  let amsUrl: string;
  let redis: OwnRedisServer;
  let database: Database;
  const gateways: RunningGateway[] = [];
  let foreign: RunningGateway | undefined;

  const env = (extra: Record<string, string> = {}) => ({
    PORT: "0",
    NODE_ENV: "test",
    DATABASE_URL: TEST_DATABASE_URL,
    ADMIN_API_KEYS: ADMIN_KEY,
    REDIS_URL: redis.url,
    AMS_SOURCE: "rest",
    AMS_URL: amsUrl,
    AMS_API_KEY: "demo-ams-key",
    AMS_TIMEOUT: "1s",
    AMS_RETRIES: "2",
    AMS_RETRY_BASE: "20ms",
    REFRESH_INTERVAL: "2s",
    EVENT_REFRESH_INTERVAL: "1h",
    LEADER_LEASE: "3s",
    REFRESH_LEASE: "4s",
    REFRESH_QUEUE_POLL: "100ms",
    REFRESH_BATCH_SIZE: "50",
    REFRESH_MAX_ATTEMPTS: "30",
    REFRESH_BACKOFF_BASE: "200ms",
    REFRESH_BACKOFF_MAX: "2s",
    LOG_LEVEL: "info",
    ...extra,
  });

  before(async () => {
    // 5 % of requests fail (503 or no answer until the client gives up), decided by a fixed seed.
    ams = new AmsHttpServer(new DemoAmsDataset(association), {
      apiKey: "demo-ams-key",
      pageSize: 500,
      faultRate: 0.05,
      random: seeded(11),
    });
    amsUrl = await ams.listen(0);
    redis = await OwnRedisServer.start();
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig());
  });

  after(async () => {
    for (const gateway of [...gateways, ...(foreign ? [foreign] : [])]) gateway.child.kill("SIGKILL");
    await Promise.all([...gateways, ...(foreign ? [foreign] : [])].map((gateway) => gateway.exited));
    await ams.close();
    await redis.kill();
    if (database.dataSource.isInitialized) await database.close();
  });

  it("ends with the cache equal to the AMS, no run left RUNNING, every subscriber at pendingCount 0, nothing foreign", async () => {
    // A second deployment on its own database and the same Redis: it must hear nothing of this one.
    foreign = await startGateway({ ...env({ SYNC_ENABLED: "false" }), DATABASE_URL: await secondTestDatabaseUrl() }, 60_000);
    const foreignClient = wsClient(foreign.url, ADMIN_KEY).client;
    const heardAbroad = [
      wsCollect(foreignClient, `subscription { syncProgress { id } }`),
      wsCollect(foreignClient, `subscription { memberChanged { key } }`),
    ];

    gateways.push(...(await Promise.all([startGateway(env(), 90_000), startGateway(env(), 90_000), startGateway(env(), 90_000)])));
    const clients = gateways.map((gateway) => wsClient(gateway.url, ADMIN_KEY).client);
    const queues = clients.map((client) =>
      wsCollect<{ refreshQueue: { pendingCount: number } }>(client, `subscription { refreshQueue { pendingCount } }`),
    );
    await database.dataSource.initialize();
    const members = database.dataSource.getRepository(MemberEntity);

    // Mid-load: the leader dies, then Redis, then a worker.
    await eventually(async () => (await members.count()) >= 500, 120_000, "the load to get going");
    const { syncStatus } = await gqlData<{ syncStatus: { leader: string } }>(gateways[0]!.url, `{ syncStatus { leader } }`, {}, ADMIN_KEY);
    const leader = gateways.find((gateway) => syncStatus.leader.includes(`:${gateway.child.pid}:`))!;
    leader.child.kill("SIGKILL");
    await leader.exited;
    await redis.kill();
    await eventually(async () => (await members.count()) >= 1_500, 120_000, "the load to go on without Redis");
    await redis.restart();
    const worker = gateways.find((gateway) => gateway !== leader && alive(gateway))!;
    worker.child.kill("SIGKILL");
    await worker.exited;

    await eventually(async () => (await members.count()) === MEMBERS, 180_000, "every member to be cached");
    const cached = await members.find({ select: { memberKey: true, firstName: true, lastName: true, email: true } });
    for (const row of cached) {
      const record = association.member(row.memberKey);
      assert.ok(record, `${row.memberKey} is an AMS member`);
      assert.deepEqual(
        [row.firstName, row.lastName, row.email],
        [record.firstName ?? "", record.lastName ?? "", record.email],
        row.memberKey,
      );
    }
    const runs = database.dataSource.getRepository(SyncRunEntity);
    await eventually(async () => (await runs.countBy({ status: "RUNNING", discovering: true })) === 0, 60_000, "no discovery left RUNNING");

    // The survivor's subscriber (connected before the Redis restart) ends on an empty queue.
    const survivor = gateways.findIndex((gateway) => alive(gateway));
    await eventually(
      async () => queues[survivor]!.seen.at(-1)?.refreshQueue.pendingCount === 0,
      60_000,
      "the survivor's subscriber to see pendingCount 0",
    );
    assert.deepEqual(
      heardAbroad.map((collector) => collector.seen.length),
      [0, 0],
      "the other deployment heard nothing",
    );
    await Promise.all([foreignClient, ...clients].map((client) => client.dispose()));
  });
});
