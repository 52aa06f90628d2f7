import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakePersonifyDataServices, startFakePersonify } from "./support/fake-personify-data-services";
import type { FakeMember } from "./support/personify-fake-store";
import { personifyEnv } from "./support/personify-config";
import { gqlData } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const DAY_MS = 24 * 60 * 60_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
const yesterdayInstant = () => new Date(Date.now() - DAY_MS);

/** Polls `check` every 50 ms until it holds; the app's own workers do the work meanwhile. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function member(id: string, overrides: Partial<FakeMember> = {}): FakeMember {
  return {
    id,
    firstName: `First${id}`,
    lastName: `Last${id}`,
    email: `${id.toLowerCase()}@example.org`,
    phones: [{ number: `+1 555 01${id.slice(-2)}`, type: "CELL" }],
    address: { line1: `${id} Main St`, city: "Springfield", state: "IL", postalCode: "62701" },
    orders: [{ productCode: "INDIV", memberType: "REGULAR", begin: day(-200), end: day(165) }],
    updatedAt: yesterdayInstant(),
    ...overrides,
  };
}

const MEMBER_FIELDS = `key firstName lastName email status isMember memberType membershipExpiresOn
  phones { number type } address { line1 city stateProvince postalCode }
  communities { role beginDate endDate community { key name type } }
  securityGroups { role beginDate endDate group { key name amsType } }`;

describe("AMS_SOURCE=personify end to end: Personify Data Services fake → sync → MariaDB → GraphQL", () => {
  let fake: FakePersonifyDataServices;
  let harness: TestApp;
  const ask = <T = any>(query: string) => gqlData<T>(harness.url, query, {}, ADMIN_KEY);
  const memberOf = async (key: string) => (await ask(`{ member(key: "${key}") { ${MEMBER_FIELDS} } }`)).member;

  /** Until no run is going and nothing waits in the queue (and, with `runId`, that run has ended). */
  const settled = (runId?: string) =>
    eventually(async () => {
      const data = await ask(
        `{ syncStatus { pendingRefreshCount running { id } cursors { stream lastSuccessfulPollAt } } ${runId ? `syncRun(id: "${runId}") { status refreshed failed }` : ""} }`,
      );
      const idle = data.syncStatus.running.length === 0 && data.syncStatus.pendingRefreshCount === 0;
      const polled = ["members", "events"].every((stream) =>
        data.syncStatus.cursors.some((c: any) => c.stream === stream && c.lastSuccessfulPollAt),
      );
      return idle && polled && (!runId || data.syncRun.status !== "RUNNING") ? data : undefined;
    }, "sync to settle");

  before(async () => {
    fake = await startFakePersonify({ serverPageSize: 3 });
    fake.store.putCommittee("COM-FIN", "Finance Committee");
    fake.store.putMember(member("M01", { committees: [{ committeeId: "COM-FIN", role: "CHAIR", begin: day(-30), end: day(700) }] }));
    fake.store.putMember(member("M02"));
    fake.store.putMember(member("M03"));
    fake.store.putMember(member("M04"));
    fake.store.putMember(member("S01", { customerClass: "STAFF", orders: [] }));
    fake.store.putMember(member("ORG1", { recordType: "C", firstName: null, lastName: null, labelName: "Acme Widgets", orders: [] }));
    fake.store.putEvent(9001, {
      ProductCode: "AM",
      LongName: "Annual Meeting",
      MeetingStartDate: new Date(Date.now() + 60 * DAY_MS),
      ProductClassCode: "CONFERENCE",
      ModDate: yesterdayInstant(),
    });
    fake.signOn.logins.push({ userName: "m01", password: "m01-password", email: "m01@example.org", customerId: "M01|0" });
    harness = await startTestApp({
      env: {
        AMS_SOURCE: "personify",
        ...personifyEnv(fake, { PERSONIFY_PAGE_SIZE: "50", PERSONIFY_BATCH_SIZE: "4" }),
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "1h",
        REFRESH_QUEUE_POLL: "50ms",
        SSO_CREDENTIALS_ENABLED: "true",
      },
    });
  });

  after(async () => {
    await harness?.stop();
    await fake?.close();
  });

  it("loads members, committees as communities, membership orders as security groups, and events", { timeout: 60_000 }, async () => {
    await settled();
    const m01 = await memberOf("M01");
    assert.deepEqual(
      [m01.firstName, m01.email, m01.status, m01.isMember, m01.memberType, m01.membershipExpiresOn],
      ["FirstM01", "m01@example.org", "ACTIVE", true, "REGULAR", day(165)],
    );
    assert.deepEqual(m01.phones, [{ number: "+1 555 0101", type: "MOBILE" }]);
    assert.deepEqual(m01.address, { line1: "M01 Main St", city: "Springfield", stateProvince: "IL", postalCode: "62701" });
    assert.deepEqual(m01.communities, [
      {
        role: "CHAIR",
        beginDate: day(-30),
        endDate: day(700),
        community: { key: "COM-FIN", name: "Finance Committee", type: "Committee" },
      },
    ]);
    const groups = m01.securityGroups.map((g: any) => [g.group.key, g.group.amsType, g.role, g.endDate]);
    assert.deepEqual(
      groups.filter((g: any[]) => !["Authenticated", "IsMember"].includes(g[0])),
      [
        ["Membership:INDIV", "Membership", "REGULAR", day(165)],
        ["MemberType:REGULAR", "MemberType", null, day(165)],
      ],
    );
    const staff = await memberOf("S01");
    assert.equal(staff.memberType, "Staff");
    assert.ok(
      staff.securityGroups.some((g: any) => g.group.key === "Staff"),
      "a staff customer class reaches the Staff group",
    );
    const org = (await ask(`{ member(key: "ORG1") { isOrganization companyName } }`)).member;
    assert.deepEqual(org, { isOrganization: true, companyName: "Acme Widgets" });
    assert.equal((await ask(`{ member(key: "COM-FIN") { key } }`)).member, null, "a committee's own customer record is no member");
    const listed = await ask(
      `{ members(first: 50) { totalCount } events(first: 10) { edges { node { key title category } } } securityGroups { key grantsMemberStatus isStaff } }`,
    );
    assert.equal(listed.members.totalCount, 6);
    assert.deepEqual(
      listed.events.edges.map((edge: any) => edge.node),
      [{ key: "9001", title: "Annual Meeting", category: "CONFERENCE" }],
    );
    const regular = listed.securityGroups.find((g: any) => g.key === "MemberType:REGULAR");
    assert.deepEqual([regular.grantsMemberStatus, regular.isStaff], [true, false]);
    assert.equal(listed.securityGroups.find((g: any) => g.key === "MemberType:Staff").isStaff, true);
  });

  it("signs a member on with Personify credentials", { timeout: 30_000 }, async () => {
    const session = await ask(
      `mutation { exchangeSsoToken(input: { method: CREDENTIALS, username: "m01@example.org", password: "m01-password" }) { member { key } } }`,
    );
    assert.equal(session.exchangeSsoToken.member.key, "M01");
  });

  it("a poll picks up a changed member, an inactivated one and a lapsed membership; a full resync finds a purged one", {
    timeout: 60_000,
  }, async () => {
    await settled();
    const now = new Date();
    fake.store.update("Customers", (row) => row.MasterCustomerId === "M01", { LastName: "Renamed", ModDate: now });
    fake.store.update("Customers", (row) => row.MasterCustomerId === "M04", { CustomerStatusCode: "INACTIVE", ModDate: now });
    fake.store.update("MembershipOrders", (row) => row.ShipMasterCustomerId === "M02", {
      CycleEndDate: new Date(`${day(-1)}T00:00:00Z`),
      ModDate: now,
    });
    fake.store.removeMember("M03");
    const run = (await ask(`mutation { runPeriodicRefresh { id } }`)).runPeriodicRefresh;
    const finished = await settled(run.id);
    assert.equal(finished.syncRun.status, "SUCCEEDED");
    assert.equal(finished.syncRun.refreshed, 3, "M01, M02 and M04 changed; M03's purge leaves no row to list");
    assert.equal((await memberOf("M01")).lastName, "Renamed");
    assert.equal((await memberOf("M04")).status, "DISABLED");
    const lapsed = await memberOf("M02");
    assert.deepEqual([lapsed.isMember, lapsed.status, lapsed.membershipExpiresOn], [false, "EXPIRED", day(-1)]);
    assert.equal((await memberOf("M03")).status, "ACTIVE", "not yet seen gone");

    const full = (await ask(`mutation { fullResync { id } }`)).fullResync;
    await settled(full.id);
    const purged = await memberOf("M03");
    assert.deepEqual([purged.status, purged.isMember], ["DISABLED", false]);
  });
});
