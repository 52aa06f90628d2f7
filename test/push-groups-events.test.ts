import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CommunityEntity, SecurityGroupEntity, SyncRunEntity } from "../src/db/entities";
import { mintPresharedKeyToken } from "../src/sso/preshared-key/preshared-key.mint";
import { SystemClock } from "../src/time/clock";
import { gql, gqlData, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { memberInfo } from "./support/in-memory-ams";
import { postJson, push, PUSH_KEY, pushTo, TENANT } from "./support/push-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const PSK_HEX = "c3".repeat(32);

const event = (key: string, fields: Record<string, unknown> = {}) => ({
  EventKey: key,
  Title: `Event ${key}`,
  StartsAt: "2031-05-01T09:00:00Z",
  EndsAt: "2031-05-01T17:00:00Z",
  TimeZone: "America/Chicago",
  ...fields,
});

const group = (kind: string, key: string, members: unknown[], fields: Record<string, unknown> = {}) => ({
  GroupType: kind,
  GroupKey: key,
  GroupName: `Group ${key}`,
  ...(kind === "Community" ? { CommunityType: "Committee" } : {}),
  Members: members,
  ...fields,
});

const MEMBER_GROUPS = `query($key: ID!) { member(key: $key) {
  key status
  communities { role beginDate community { key name type } }
  securityGroups { group { key name } }
} }`;

describe("push API: POST /push/v1/events and /push/v1/groups", () => {
  let harness: TestApp;
  const member = async (key: string) => (await gqlData(harness.url, MEMBER_GROUPS, { key }, ADMIN_KEY)).member;
  const communitiesOf = async (key: string) => (await member(key)).communities.map((c: any) => c.community.key).sort();
  const groupsOf = async (key: string) =>
    (await member(key)).securityGroups.map((g: any) => g.group.key).filter((k: string) => !["Authenticated", "IsMember"].includes(k));
  const runs = () => harness.app.database.dataSource.getRepository(SyncRunEntity);

  before(async () => {
    harness = await startTestApp({
      env: { PUSH_API_KEYS: PUSH_KEY, TENANT_CODE: TENANT, PUSH_RATE_LIMIT: "1000", SSO_PRESHARED_KEYS: `site:${PSK_HEX}` },
    });
    const answer = await push(
      harness.baseUrl,
      ["G-1", "G-2", "G-3", "G-4"].map((key) => memberInfo(key)),
    );
    assert.equal(answer.body.count, 4);
  });

  after(() => harness.stop());

  describe("events", () => {
    const EVENT = `query($key: ID!) { event(key: $key) { key title startsAt endsAt timeZone isMembersOnly productCode } }`;

    it("writes each event before answering, visible in event(key) and events", async () => {
      const answer = await pushTo(harness.baseUrl, "events", [event("EV-1"), event("EV-2", { IsMembersOnly: true })]);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { success: true, count: 2, errorMessage: null });
      const ev1 = (await gqlData(harness.url, EVENT, { key: "EV-1" }, ADMIN_KEY)).event;
      assert.equal(ev1.title, "Event EV-1");
      assert.equal(ev1.startsAt, "2031-05-01T09:00:00.000Z");
      assert.equal(ev1.timeZone, "America/Chicago");
      const listed = await gqlData(harness.url, `{ events(first: 50) { edges { node { key } } } }`, {}, ADMIN_KEY);
      const keys = listed.events.edges.map((e: any) => e.node.key);
      assert.ok(keys.includes("EV-1") && keys.includes("EV-2"));
      const anonymous = await gql(harness.url, EVENT, { key: "EV-2" });
      assert.equal(anonymous.data?.event, null, "members-only stays members-only");
      const run = await runs().findOneByOrFail({ detail: "2 pushed events" });
      assert.equal(run.kind, "PUSH");
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(run.refreshed, 2);
    });

    it("reads loose types, updates by key, hides a deleted event, and lists bad items", async () => {
      const answer = await pushTo(harness.baseUrl, "events", [
        event("EV-1", { Title: "Renamed", IsMembersOnly: "yes", ProductCode: 4711 }),
        { EventKey: 42, Title: "Numbered", StartsAt: "2031-06-01", IsDeleted: "0" },
        event("EV-2", { IsDeleted: 1 }),
        { EventKey: "EV-BAD", Title: "No start" },
        { Title: "No key", StartsAt: "2031-06-01" },
      ]);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.count, 3);
      assert.equal(answer.body.success, false);
      assert.deepEqual(
        answer.body.errors.map((e: any) => [e.index, e.eventKey]),
        [
          [3, "EV-BAD"],
          [4, null],
        ],
      );
      assert.match(answer.body.errors[0].message, /StartsAt/);
      const ev1 = (await gqlData(harness.url, EVENT, { key: "EV-1" }, ADMIN_KEY)).event;
      assert.equal(ev1.title, "Renamed");
      assert.equal(ev1.isMembersOnly, true);
      assert.equal(ev1.productCode, "4711");
      assert.equal((await gqlData(harness.url, EVENT, { key: "42" }, ADMIN_KEY)).event.title, "Numbered");
      assert.equal((await gqlData(harness.url, EVENT, { key: "EV-2" }, ADMIN_KEY)).event, null, "deleted");
      assert.equal((await gqlData(harness.url, EVENT, { key: "EV-BAD" }, ADMIN_KEY)).event, null);
      const none = await pushTo(harness.baseUrl, "events", [{ EventKey: "EV-X" }]);
      assert.equal(none.status, 422);
    });

    it("replays an Idempotency-Key and writes nothing again", async () => {
      const headers = { "idempotency-key": "events-1" };
      const first = await pushTo(harness.baseUrl, "events", [event("EV-IDEM")], { headers });
      assert.equal(first.status, 200);
      const before = await runs().countBy({ kind: "PUSH" });
      const again = await pushTo(harness.baseUrl, "events", [event("EV-IDEM")], { headers });
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal(await runs().countBy({ kind: "PUSH" }), before, "no second run");
      // The same key on another route is another request, not this one's replay.
      const members = await push(harness.baseUrl, [memberInfo("G-1")], { headers });
      assert.equal(members.headers.get("idempotent-replayed"), null);
    });
  });

  describe("groups", () => {
    it("makes a Community of a group, with its members, and tells memberChanged subscribers", { timeout: 30_000 }, async () => {
      const { client } = wsClient(harness.url, ADMIN_KEY);
      const changes = wsCollect<{ memberChanged: any }>(
        client,
        `subscription { memberChanged { key kind communitiesAdded { key role } communitiesRemoved { key } } }`,
      );
      try {
        // The subscription is live once a warm-up push reaches it.
        await untilArrived(
          changes.waitFor(() => true),
          (n) => push(harness.baseUrl, [memberInfo(`WARM-G-${n}`)]),
        );
        const answer = await pushTo(harness.baseUrl, "groups", [
          group("Community", "COM-1", ["G-1", { MemberKey: "G-2", RoleDescription: "Chair", BeginDate: "2026-01-01" }], {
            CommunitySubType: "Standing",
          }),
        ]);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { success: true, count: 1, errorMessage: null });
        assert.deepEqual(await communitiesOf("G-1"), ["COM-1"]);
        const g2 = await member("G-2");
        assert.deepEqual(
          g2.communities.map((c: any) => [c.community.key, c.community.name, c.community.type, c.role, c.beginDate]),
          [["COM-1", "Group COM-1", "Committee", "Chair", "2026-01-01"]],
        );
        const added = await changes.waitFor((c) => c.memberChanged.key === "G-2" && c.memberChanged.communitiesAdded.length > 0);
        assert.deepEqual(added.memberChanged.communitiesAdded, [{ key: "COM-1", role: "Chair" }]);
        const run = await runs().findOneByOrFail({ detail: "1 pushed groups" });
        assert.equal(run.kind, "PUSH");
        assert.equal(run.refreshed, 2);

        // Replace: G-1 leaves, G-3 joins; G-2 stays with its term.
        const replaced = await pushTo(harness.baseUrl, "groups", [group("Community", "COM-1", ["G-2", "G-3"], { Mode: "replace" })]);
        assert.equal(replaced.body.count, 1);
        assert.deepEqual(await communitiesOf("G-1"), []);
        assert.deepEqual(await communitiesOf("G-3"), ["COM-1"]);
        assert.equal((await member("G-2")).communities[0].role, "Chair", "a key-only push keeps the term");
        await changes.waitFor((c) => c.memberChanged.key === "G-1" && c.memberChanged.communitiesRemoved.length > 0);
      } finally {
        await client.dispose();
      }
    });

    it("adds and removes with Mode Add and Remove, leaving the others", async () => {
      await pushTo(harness.baseUrl, "groups", [group("Community", "COM-2", ["G-1", "G-2"])]);
      const added = await pushTo(harness.baseUrl, "groups", [group("Community", "COM-2", ["G-3"], { Mode: "Add" })]);
      assert.equal(added.body.count, 1);
      assert.deepEqual(await communitiesOf("G-1"), ["COM-2"]);
      assert.deepEqual(await communitiesOf("G-3"), ["COM-1", "COM-2"]);
      await pushTo(harness.baseUrl, "groups", [group("Community", "COM-2", ["G-1"], { Mode: "Remove" })]);
      assert.deepEqual(await communitiesOf("G-1"), []);
      assert.deepEqual(await communitiesOf("G-2"), ["COM-1", "COM-2"]);
    });

    it("keeps memberships when a group is renamed", async () => {
      await pushTo(harness.baseUrl, "groups", [group("SecurityGroup", "SG-R", ["G-1", "G-4"])]);
      assert.deepEqual(await groupsOf("G-4"), ["SG-R"]);
      const renamed = await pushTo(harness.baseUrl, "groups", [
        group("SecurityGroup", "SG-R", [], { GroupName: "Renamed Group", Mode: "Add" }),
      ]);
      assert.equal(renamed.body.count, 1);
      const row = await harness.app.database.dataSource.getRepository(SecurityGroupEntity).findOneByOrFail({ groupKey: "SG-R" });
      assert.equal(row.name, "Renamed Group");
      assert.equal(row.amsType, "Security");
      const g4 = await member("G-4");
      assert.deepEqual(
        g4.securityGroups.filter((g: any) => g.group.key === "SG-R").map((g: any) => g.group.name),
        ["Renamed Group"],
      );
      assert.deepEqual(await groupsOf("G-1"), ["SG-R"]);

      // A community renamed without its type keeps the type, and its members.
      const community = await pushTo(harness.baseUrl, "groups", [
        { GroupType: "Community", GroupKey: "COM-2", GroupName: "Two Renamed", Mode: "Add", MemberKeys: [] },
      ]);
      assert.equal(community.body.count, 1);
      const g2 = await member("G-2");
      assert.deepEqual(
        g2.communities.filter((c: any) => c.community.key === "COM-2").map((c: any) => [c.community.name, c.community.type]),
        [["Two Renamed", "Committee"]],
      );
    });

    it("reports member keys the cache does not know as skipped, and invents no member", async () => {
      const answer = await pushTo(harness.baseUrl, "groups", [group("Community", "COM-3", ["G-1", "NOBODY-1", 9999])]);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.success, true);
      assert.equal(answer.body.count, 1);
      assert.deepEqual(answer.body.skipped, [{ index: 0, groupKey: "COM-3", memberKeys: ["NOBODY-1", "9999"] }]);
      assert.deepEqual(await communitiesOf("G-1"), ["COM-3"]);
      assert.equal(await member("NOBODY-1"), null);
      assert.equal(await member("9999"), null);
    });

    it("refuses a change of group type, and derived groups, item by item", async () => {
      const answer = await pushTo(harness.baseUrl, "groups", [
        group("SecurityGroup", "COM-1", ["G-1"]),
        group("Community", "SG-R", ["G-1"]),
        group("SecurityGroup", "Admin", ["G-1"]),
        group("Community", "COM-4", ["G-4"]),
        { GroupType: "Team", GroupKey: "X", GroupName: "X" },
        { GroupType: "Community", GroupKey: "COM-5", GroupName: "Five", Mode: "Merge" },
        { GroupType: "Community", GroupName: "No key" },
      ]);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.count, 1);
      assert.deepEqual(
        answer.body.errors.map((e: any) => [e.index, e.groupKey]),
        [
          [0, "COM-1"],
          [1, "SG-R"],
          [2, "Admin"],
          [4, "X"],
          [5, "COM-5"],
          [6, null],
        ],
      );
      assert.match(answer.body.errors[0].message, /is a Community; a group's type is fixed once created/);
      assert.match(answer.body.errors[1].message, /is a SecurityGroup/);
      assert.match(answer.body.errors[2].message, /derived/);
      assert.match(answer.body.errors[3].message, /GroupType: expected one of Community, SecurityGroup/);
      assert.match(answer.body.errors[4].message, /Mode/);
      assert.deepEqual(await communitiesOf("G-4"), ["COM-4"]);
      assert.equal(
        await harness.app.database.dataSource.getRepository(SecurityGroupEntity).countBy({ groupKey: "COM-1" }),
        0,
        "no security group was made of the community",
      );
      assert.equal(await harness.app.database.dataSource.getRepository(CommunityEntity).countBy({ communityKey: "SG-R" }), 0);
      const allRefused = await pushTo(harness.baseUrl, "groups", [group("SecurityGroup", "COM-1", [])]);
      assert.equal(allRefused.status, 422);
    });

    it("replays an Idempotency-Key and changes nothing", async () => {
      const headers = { "idempotency-key": "groups-1" };
      const first = await pushTo(harness.baseUrl, "groups", [group("Community", "COM-6", ["G-1"])], { headers });
      assert.equal(first.body.count, 1);
      // Removed by another push in between: the replay must not add G-1 back.
      await pushTo(harness.baseUrl, "groups", [group("Community", "COM-6", [])]);
      const again = await pushTo(harness.baseUrl, "groups", [group("Community", "COM-6", ["G-1"])], { headers });
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.ok(!(await communitiesOf("G-1")).includes("COM-6"));
    });
  });

  it("refuses whole requests on every route in JSON with exactly success, count and errorMessage", async () => {
    for (const route of ["events", "groups"]) {
      const url = `${harness.baseUrl}/push/v1/${route}`;
      const cases: Array<[string, Promise<{ status: number; body: Record<string, any> }>, number]> = [
        ["no key", postJson(url, { TenantCode: TENANT, Items: [] }), 401],
        ["wrong key", pushTo(harness.baseUrl, route, [], { key: "not-a-push-key-0123456789abc" }), 401],
        ["admin key", pushTo(harness.baseUrl, route, [], { key: ADMIN_KEY }), 401],
        ["wrong tenant", pushTo(harness.baseUrl, route, [event("EV-T")], { tenant: "OTHER" }), 403],
        ["malformed JSON", postJson(url, '{"TenantCode": "ACME", "Items": [', { "x-api-key": PUSH_KEY }), 400],
        ["Items not a list", postJson(url, { TenantCode: TENANT, Items: "x" }, { "x-api-key": PUSH_KEY }), 400],
        [
          "oversized",
          postJson(
            url,
            { TenantCode: TENANT, Items: [event("EV-BIG", { Description: "x".repeat(1_100_000) })] },
            { "x-api-key": PUSH_KEY },
          ),
          413,
        ],
      ];
      for (const [what, pending, status] of cases) {
        const answer = await pending;
        assert.equal(answer.status, status, `${route}: ${what}`);
        assert.deepEqual(Object.keys(answer.body).sort(), ["count", "errorMessage", "success"], `${route}: ${what}`);
        assert.equal(answer.body.success, false);
      }
    }
    assert.equal((await gqlData(harness.url, `{ event(key: "EV-T") { key } }`, {}, ADMIN_KEY)).event, null);
  });

  it("stores Education and JobHistory as child lists, read back on Member in one statement per list per page", async () => {
    const answer = await push(harness.baseUrl, [
      memberInfo(
        "ED-1",
        {},
        {
          Education: [
            { Institution: "State University", Degree: "MBA", FieldOfStudy: "Finance", StartDate: "2001-09-01", EndDate: "2003-05-31" },
          ],
          JobHistory: [
            { Company: "Acme", Title: "Analyst", StartDate: "2003-06-01T00:00:00", EndDate: "2008-01-31", IsCurrent: false },
            { Company: "Globex", Title: "CFO", StartDate: "2008-02-01", IsCurrent: "true" },
          ],
        },
      ),
      memberInfo("ED-2", {}, { Education: [{ School: "Tech Institute", Unknown: 1 }, { Degree: "no institution" }], JobHistory: "n/a" }),
    ]);
    assert.deepEqual(answer.body, { success: true, count: 2, errorMessage: null });
    const query = `{ members(first: 200) { edges { node { key
      education { institution degree fieldOfStudy startDate endDate }
      jobHistory { company title startDate endDate isCurrent } } } } }`;
    const { result, statements } = await harness.queries.measure(() => gqlData(harness.url, query, {}, ADMIN_KEY));
    const nodes = Object.fromEntries(result.members.edges.map((e: any) => [e.node.key, e.node]));
    assert.deepEqual(nodes["ED-1"].education, [
      { institution: "State University", degree: "MBA", fieldOfStudy: "Finance", startDate: "2001-09-01", endDate: "2003-05-31" },
    ]);
    assert.deepEqual(nodes["ED-1"].jobHistory, [
      { company: "Acme", title: "Analyst", startDate: "2003-06-01", endDate: "2008-01-31", isCurrent: false },
      { company: "Globex", title: "CFO", startDate: "2008-02-01", endDate: null, isCurrent: true },
    ]);
    assert.deepEqual(
      nodes["ED-2"].education.map((e: any) => e.institution),
      ["Tech Institute"],
    );
    assert.deepEqual(nodes["ED-2"].jobHistory, []);
    assert.equal(statements.filter((sql) => /member_education/.test(sql)).length, 1, "one batched read of education");
    assert.equal(statements.filter((sql) => /member_job_history/.test(sql)).length, 1, "one batched read of job history");

    // The whole record: a push without them removes them; a group push keeps them.
    await pushTo(harness.baseUrl, "groups", [group("Community", "COM-ED", ["ED-1"])]);
    const kept = await gqlData(harness.url, `{ member(key: "ED-1") { education { institution } jobHistory { company } } }`, {}, ADMIN_KEY);
    assert.equal(kept.member.education.length, 1, "a group push rewrites the member with its education");
    assert.equal(kept.member.jobHistory.length, 2);
    await push(harness.baseUrl, [memberInfo("ED-1")]);
    const gone = await gqlData(harness.url, `{ member(key: "ED-1") { education { institution } jobHistory { company } } }`, {}, ADMIN_KEY);
    assert.deepEqual([gone.member.education, gone.member.jobHistory], [[], []]);
  });

  it("keeps a member the AMS deactivated as DISABLED, and refuses its sign-on", async () => {
    const key = { id: "site", secret: Buffer.from(PSK_HEX, "hex") };
    const token = () => mintPresharedKeyToken(key, "G-OFF", { clock: new SystemClock(), ttlSeconds: 120 });
    const exchange = `mutation($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken member { key } } }`;
    await push(harness.baseUrl, [memberInfo("G-OFF", { MemberExpiresOn: "2099-12-31" })]);
    const signedOn = await gql(harness.url, exchange, { input: { method: "PRESHARED_KEY", token: token() } });
    assert.equal(signedOn.errors, undefined, JSON.stringify(signedOn.errors));
    const session = signedOn.data!.exchangeSsoToken.accessToken as string;

    const off = await push(harness.baseUrl, [memberInfo("G-OFF", { IsActive: "false" })]);
    assert.equal(off.body.count, 1);
    assert.equal((await member("G-OFF")).status, "DISABLED", "kept in the cache, disabled");
    const refused = await gql(harness.url, exchange, { input: { method: "PRESHARED_KEY", token: token() } });
    assert.equal(refused.data, null);
    assert.match(refused.errors![0]!.message, /may not sign in|may no longer sign in/);
    const renewed = await gql(harness.url, `mutation { renewSession { accessToken } }`, {}, session);
    assert.ok(renewed.errors?.length, "a session of the disabled member cannot be renewed");
  });
});

describe("push API on embedded SQLite: groups and events", () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp({ database: "sqlite", env: { PUSH_API_KEYS: PUSH_KEY, TENANT_CODE: TENANT } });
  });

  after(() => harness.stop());

  it("applies a group push and an event push in one process without MySQL's row locks", async () => {
    const education = [{ Institution: "State University" }];
    assert.equal((await push(harness.baseUrl, [memberInfo("S-1", {}, { Education: education }), memberInfo("S-2")])).body.count, 2);
    const answer = await pushTo(harness.baseUrl, "groups", [group("Community", "S-COM", ["S-1", "S-2", "S-NOBODY"])]);
    assert.equal(answer.body.count, 1);
    assert.deepEqual(answer.body.skipped, [{ index: 0, groupKey: "S-COM", memberKeys: ["S-NOBODY"] }]);
    const s1 = await gqlData(
      harness.url,
      `{ member(key: "S-1") { communities { community { key } } education { institution } } }`,
      {},
      ADMIN_KEY,
    );
    assert.deepEqual(s1.member.communities, [{ community: { key: "S-COM" } }]);
    assert.deepEqual(s1.member.education, [{ institution: "State University" }]);
    assert.equal((await pushTo(harness.baseUrl, "events", [event("S-EV")])).body.count, 1);
    assert.equal((await gqlData(harness.url, `{ event(key: "S-EV") { key } }`, {}, ADMIN_KEY)).event.key, "S-EV");
  });
});
