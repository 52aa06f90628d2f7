import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CommunityMembershipEntity, MemberEntity, PushIdempotencyEntity, SyncRunEntity } from "../src/db/entities";
import { Database } from "../src/db/data-source";
import { startGateway } from "./support/child-process";
import { mysqlConfig, resetDatabase, TEST_DATABASE_URL } from "./support/database";
import { gqlData, wsClient } from "./support/graphql-client";
import { memberInfo } from "./support/in-memory-ams";
import { OTHER_PUSH_KEY, push, postJson, PUSH_KEY, pushTo, TENANT } from "./support/push-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const MEMBER_QUERY = `query($key: ID!) { member(key: $key) {
  key firstName email status excludeFromDirectory memberSince
  communities { role community { key name } }
  securityGroups { group { key name } }
} }`;

/** Pushed security groups; the writer adds the derived "Authenticated" group itself. */
const pushedGroups = (m: any) => m.securityGroups.map((g: any) => g.group.key).filter((key: string) => key !== "Authenticated");

const full = (key: string, details: Record<string, unknown> = {}) =>
  memberInfo(
    key,
    { EmailAddress: `${key.toLowerCase()}@example.org`, ...details },
    {
      CommunityGroups: [
        { GroupKey: "CH-1", GroupName: "Chapter One", GroupType: "Chapter", RoleDescription: "Member" },
        { GroupKey: "COM-2", GroupName: "Committee Two", GroupType: "Committee", RoleDescription: "Chair" },
      ],
      SecurityGroups: [{ GroupKey: "SG-1", GroupName: "Portal", GroupType: "Security" }],
    },
  );

describe("push API: POST /push/v1/members", () => {
  let harness: TestApp;
  const member = async (key: string) => (await gqlData(harness.url, MEMBER_QUERY, { key }, ADMIN_KEY)).member;

  before(async () => {
    harness = await startTestApp({
      env: { PUSH_API_KEYS: `${PUSH_KEY},${OTHER_PUSH_KEY}`, TENANT_CODE: TENANT, PUSH_RATE_LIMIT: "20", PUSH_RATE_WINDOW: "1h" },
    });
  });

  after(() => harness.stop());

  it("writes each item, answers after the commit, and tells memberChanged subscribers", { timeout: 30_000 }, async () => {
    const { client } = wsClient(harness.url, ADMIN_KEY);
    const seen: string[] = [];
    const waiters: Array<() => void> = [];
    client.subscribe<{ memberChanged: { key: string } }>(
      { query: `subscription { memberChanged { key kind } }` },
      {
        next: (result) => {
          seen.push(result.data!.memberChanged.key);
          waiters.splice(0).forEach((wake) => wake());
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const seenKey = (key: string) =>
      new Promise<void>((resolve) => {
        const check = () => (seen.includes(key) ? resolve() : waiters.push(check));
        check();
      });
    try {
      // The subscription is live once a first event reaches it: push warm-up members until one does.
      for (let n = 0; seen.length === 0 && n < 100; n += 1) {
        assert.equal((await push(harness.baseUrl, [memberInfo(`WARM-${n}`)])).status, 200);
        await Promise.race([seenKey(`WARM-${n}`), new Promise((resolve) => setTimeout(resolve, 100))]);
      }
      assert.ok(seen.length > 0, "the subscription received warm-up events");

      const answer = await push(harness.baseUrl, [
        full("P-1", { IsActive: "1", ExcludeFromDirectory: 0, MemberSince: "2020-05-06T00:00:00" }),
        full("P-2"),
      ]);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { success: true, count: 2, errorMessage: null });
      // Written before the answer: no wait, no drain.
      const p1 = await member("P-1");
      assert.equal(p1.email, "p-1@example.org");
      assert.equal(p1.status, "ACTIVE");
      assert.equal(p1.excludeFromDirectory, false);
      assert.equal(p1.memberSince, "2020-05-06");
      assert.deepEqual(p1.communities.map((c: any) => c.community.key).sort(), ["CH-1", "COM-2"]);
      assert.deepEqual(pushedGroups(p1), ["SG-1"]);
      await seenKey("P-1");
      await seenKey("P-2");
      const run = await harness.app.database.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ detail: "2 pushed members" });
      assert.equal(run.kind, "PUSH");
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(run.refreshed, 2);
    } finally {
      await client.dispose();
    }
  });

  it("treats each item as the whole record: an omitted group is removed", async () => {
    await push(harness.baseUrl, [full("P-3")]);
    const trimmed = memberInfo(
      "P-3",
      { EmailAddress: "p-3@example.org" },
      {
        CommunityGroups: [{ GroupKey: "CH-1", GroupName: "Chapter One", GroupType: "Chapter", RoleDescription: "Member" }],
      },
    );
    delete (trimmed as Record<string, unknown>).SecurityGroups;
    const answer = await push(harness.baseUrl, [trimmed]);
    assert.deepEqual(answer.body, { success: true, count: 1, errorMessage: null });
    const p3 = await member("P-3");
    assert.deepEqual(
      p3.communities.map((c: any) => c.community.key),
      ["CH-1"],
    );
    assert.deepEqual(pushedGroups(p3), []);
  });

  it("writes the good items of a request with bad ones, listing each bad one", async () => {
    const answer = await push(harness.baseUrl, [
      memberInfo("P-4"),
      { MemberDetails: { LegacyContactKey: "P-BAD", MemberSince: "2026-02-30" } },
      "not a member",
      memberInfo("P-5", { IsActive: "true" }),
    ]);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.success, false);
    assert.equal(answer.body.count, 2);
    assert.equal(answer.body.errorMessage, "2 of 4 items were refused");
    assert.deepEqual(
      answer.body.errors.map((e: any) => [e.index, e.memberKey]),
      [
        [1, "P-BAD"],
        [2, null],
      ],
    );
    assert.match(answer.body.errors[0].message, /MemberSince.*no such day/);
    assert.equal((await member("P-4")).key, "P-4");
    assert.equal((await member("P-5")).key, "P-5");
    assert.equal(await member("P-BAD"), null);

    const none = await push(harness.baseUrl, [{ MemberDetails: {} }]);
    assert.equal(none.status, 422, "nothing written is a refusal of the content");
    assert.equal(none.body.count, 0);
  });

  it("refuses whole requests in JSON with exactly success, count and errorMessage", async () => {
    const exact = (body: Record<string, unknown>) => assert.deepEqual(Object.keys(body).sort(), ["count", "errorMessage", "success"]);
    const url = `${harness.baseUrl}/push/v1/members`;
    const cases: Array<[string, Promise<{ status: number; body: Record<string, any> }>, number]> = [
      ["no key", postJson(url, { TenantCode: TENANT, Items: [] }), 401],
      ["wrong key", push(harness.baseUrl, [], { key: "not-a-push-key-0123456789abc" }), 401],
      ["admin key is no push key", push(harness.baseUrl, [], { key: ADMIN_KEY }), 401],
      ["wrong tenant", push(harness.baseUrl, [memberInfo("P-T")], { tenant: "OTHER" }), 403],
      ["malformed JSON", postJson(url, '{"TenantCode": "ACME", "Items": [', { "x-api-key": PUSH_KEY }), 400],
      ["Items not a list", postJson(url, { TenantCode: TENANT, Items: {} }, { "x-api-key": PUSH_KEY }), 400],
      [
        "oversized",
        postJson(url, { TenantCode: TENANT, Items: [memberInfo("P-BIG", { Bio: "x".repeat(1_100_000) })] }, { "x-api-key": PUSH_KEY }),
        413,
      ],
    ];
    for (const [what, pending, status] of cases) {
      const answer = await pending;
      assert.equal(answer.status, status, what);
      exact(answer.body);
      assert.equal(answer.body.success, false, what);
      assert.equal(answer.body.count, 0, what);
      assert.equal(typeof answer.body.errorMessage, "string", what);
    }
    assert.equal(await member("P-T"), null, "a refused tenant wrote nothing");
    assert.equal(await member("P-BIG"), null);
  });

  it("reads a body that starts with a UTF-8 byte-order mark", async () => {
    const body = `\uFEFF${JSON.stringify({ TenantCode: TENANT, Items: [memberInfo("P-BOM")] })}`;
    const answer = await postJson(`${harness.baseUrl}/push/v1/members`, body, { "x-api-key": PUSH_KEY });
    assert.deepEqual(answer.body, { success: true, count: 1, errorMessage: null });
  });

  it("limits the rate per key, in JSON with Retry-After", async () => {
    for (let n = 0; n < 20; n += 1) assert.equal((await push(harness.baseUrl, [], { key: OTHER_PUSH_KEY })).status, 200);
    const limited = await push(harness.baseUrl, [], { key: OTHER_PUSH_KEY });
    assert.equal(limited.status, 429);
    assert.deepEqual(Object.keys(limited.body).sort(), ["count", "errorMessage", "success"]);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    assert.equal((await push(harness.baseUrl, [], { key: PUSH_KEY })).status, 200, "another key is not limited");
  });

  it("answers the stored answer for a repeated Idempotency-Key and changes nothing", async () => {
    const headers = { "idempotency-key": "push-0001" };
    const first = await push(harness.baseUrl, [memberInfo("P-6", { FirstName: "First" })], { headers });
    assert.deepEqual(first.body, { success: true, count: 1, errorMessage: null });
    const runs = harness.app.database.dataSource.getRepository(SyncRunEntity);
    const runsBefore = await runs.countBy({ kind: "PUSH" });
    // An edit in between: the replay must not write the pushed record over it.
    await harness.app.database.dataSource.getRepository(MemberEntity).update({ memberKey: "P-6" }, { firstName: "Edited" });
    const again = await push(harness.baseUrl, [memberInfo("P-6", { FirstName: "First" })], { headers });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal((await member("P-6")).firstName, "Edited", "nothing was written again");
    assert.equal(await runs.countBy({ kind: "PUSH" }), runsBefore, "no second run");

    const different = await push(harness.baseUrl, [memberInfo("P-6", { FirstName: "Other" })], { headers });
    assert.equal(different.status, 422);
    const otherKey = await push(harness.baseUrl, [memberInfo("P-6", { FirstName: "Second" })], {
      headers: { "idempotency-key": "push-0002" },
    });
    assert.equal(otherKey.status, 200);
    assert.equal((await member("P-6")).firstName, "Second", "a new key is processed");
    assert.equal(await harness.app.database.dataSource.getRepository(PushIdempotencyEntity).count(), 2);
  });
});

describe("push API: a 2xx means committed", () => {
  let database: Database;

  before(async () => {
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig());
    await database.open();
  });

  after(() => database.close());

  it("keeps a pushed record when the gateway is SIGKILLed right after answering", { timeout: 60_000 }, async () => {
    const gateway = await startGateway({
      PORT: "0",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      DATABASE_URL: TEST_DATABASE_URL,
      ADMIN_API_KEYS: ADMIN_KEY,
      SYNC_ENABLED: "false",
      PUSH_API_KEYS: PUSH_KEY,
      TENANT_CODE: TENANT,
    });
    const baseUrl = new URL(gateway.url).origin;
    let answer: Awaited<ReturnType<typeof push>>;
    try {
      answer = await push(baseUrl, [memberInfo("CRASH-1", { EmailAddress: "crash@example.org" }), memberInfo("CRASH-2")]);
    } finally {
      gateway.child.kill("SIGKILL");
    }
    assert.equal(answer.status, 200);
    assert.equal((await gateway.exited).signal, "SIGKILL");
    const rows = await database.dataSource
      .getRepository(MemberEntity)
      .find({ where: [{ memberKey: "CRASH-1" }, { memberKey: "CRASH-2" }], order: { memberKey: "ASC" } });
    assert.deepEqual(
      rows.map((row) => [row.memberKey, row.email]),
      [
        ["CRASH-1", "crash@example.org"],
        ["CRASH-2", null],
      ],
    );
  });

  it("keeps a pushed group's memberships when the gateway is SIGKILLed right after answering", { timeout: 60_000 }, async () => {
    const gateway = await startGateway({
      PORT: "0",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      DATABASE_URL: TEST_DATABASE_URL,
      ADMIN_API_KEYS: ADMIN_KEY,
      SYNC_ENABLED: "false",
      PUSH_API_KEYS: PUSH_KEY,
      TENANT_CODE: TENANT,
    });
    const baseUrl = new URL(gateway.url).origin;
    let answer: Awaited<ReturnType<typeof push>>;
    try {
      assert.equal((await push(baseUrl, [memberInfo("CRASH-G1"), memberInfo("CRASH-G2")])).status, 200);
      answer = await pushTo(baseUrl, "groups", [
        { GroupType: "Community", GroupKey: "CRASH-COM", GroupName: "Crash Committee", Members: ["CRASH-G1", "CRASH-G2"] },
      ]);
    } finally {
      gateway.child.kill("SIGKILL");
    }
    assert.equal(answer.status, 200);
    assert.equal(answer.body.count, 1);
    assert.equal((await gateway.exited).signal, "SIGKILL");
    const rows = await database.dataSource
      .getRepository(CommunityMembershipEntity)
      .find({ where: { communityKey: "CRASH-COM" }, order: { memberKey: "ASC" } });
    assert.deepEqual(
      rows.map((row) => row.memberKey),
      ["CRASH-G1", "CRASH-G2"],
    );
  });
});
