import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/time/clock";
import { FakeImis } from "./support/fake-imis";
import { eventData, type FakeGroup, type FakePerson, groupMember, personParty } from "./support/fake-imis-records";
import { gqlData, wsClient } from "./support/graphql-client";
import { ManualTimers } from "./support/manual-timers";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const START = "2026-11-23T12:00:00.000Z";
const SEEDED = new Date("2026-11-01T08:00:00Z");

const FINANCE: FakeGroup = { groupId: "COMM-FIN", name: "Finance Committee", groupClass: "Committee" };
const NORTHEAST: FakeGroup = { groupId: "CH-NE", name: "Northeast Chapter", groupClass: "Chapter" };
const JOURNAL: FakeGroup = { groupId: "SG-JOURNAL", name: "Journal editors", groupClass: "Access Group" };
const GALA: FakeGroup = { groupId: "REG-GALA", name: "Gala registrants", groupClass: "Event" };

const PEOPLE: FakePerson[] = [
  {
    partyId: "1001",
    firstName: "Ada",
    lastName: "Lovelace",
    email: "ada@example.org",
    memberType: "M",
    joinDate: "2019-01-01",
    paidThrough: "2027-06-30",
    company: "Analytical Engines",
    title: "Chair",
  },
  {
    partyId: "1002",
    firstName: "Grace",
    lastName: "Hopper",
    email: "grace@example.org",
    memberType: "M",
    joinDate: "2015-05-01",
    paidThrough: "2027-01-31",
  },
  {
    partyId: "1003",
    firstName: "Alan",
    lastName: "Turing",
    email: "alan@example.org",
    memberType: "M",
    joinDate: "2018-03-01",
    paidThrough: "2027-03-31",
  },
  { partyId: "1004", firstName: "Sam", lastName: "Staffer", email: "sam@example.org", memberType: "STAFF" },
  { partyId: "1005", firstName: "Nora", lastName: "Nonmember", email: "nora@example.org", memberType: "NM" },
  { partyId: "1006", firstName: "Gus", lastName: "Gone", email: "gus@example.org", memberType: "M", paidThrough: "2027-12-31" },
];

const MEMBER = `query($key: ID!) { member(key: $key) {
  key status isMember memberType email firstName lastName companyName title memberSince membershipExpiresOn
  communities { role beginDate endDate community { key name type } }
  securityGroups { group { key kind } }
} }`;

type Run = { id: string; kind: string; status: string; refreshed: number; failed: number };

describe("AMS_SOURCE=imis: the real app over HTTP into MariaDB", () => {
  const clock = new ManualClock(START);
  const timers = new ManualTimers(clock);
  let fake: FakeImis;
  let app: TestApp;
  let ws: ReturnType<typeof wsClient>;
  const runs: Run[] = [];
  const waiters: Array<{ test: (run: Run) => boolean; resolve: (run: Run) => void }> = [];

  /** The next finished run of `kind` after `seen` finished ones: driven by the syncProgress subscription, no sleeping. */
  const finished = (kind: string, seen: number) =>
    new Promise<Run>((resolve) => {
      const test = (run: Run) =>
        run.kind === kind && run.status !== "RUNNING" && runs.filter((r) => r.kind === kind && r.status !== "RUNNING").indexOf(run) >= seen;
      const done = runs.find(test);
      if (done) resolve(done);
      else waiters.push({ test, resolve });
    });
  const finishedCount = (kind: string) => runs.filter((run) => run.kind === kind && run.status !== "RUNNING").length;
  const member = async (key: string) => (await gqlData<any>(app.url, MEMBER, { key }, ADMIN_KEY)).member;

  before(async () => {
    fake = await FakeImis.start({ now: () => clock.now().getTime() });
    for (const person of PEOPLE) fake.setParty(person.partyId, personParty(person, SEEDED), SEEDED);
    fake.setGroupMembers("1001", [
      groupMember("1001", FINANCE, [
        { role: "Chair", begin: "2026-01-01", end: "2027-12-31" },
        { role: "Member", begin: "2022-01-01", end: "2025-12-31" },
      ]),
      groupMember("1001", NORTHEAST, []),
      groupMember("1001", JOURNAL, [{ role: "Editor", begin: "2026-01-01", end: null }]),
      groupMember("1001", GALA, []),
    ]);
    fake.setGroupMembers("1002", [groupMember("1002", NORTHEAST, [])]);
    fake.setEvent(
      "ANNCONF",
      eventData(
        { eventKey: "ANNCONF", title: "Annual Conference", startsAt: new Date("2027-05-12T09:00:00Z"), category: "Conference" },
        SEEDED,
      ),
      SEEDED,
    );
    fake.setEvent(
      "WEB-1",
      eventData({ eventKey: "WEB-1", title: "Cancelled webinar", startsAt: new Date("2026-12-01T16:00:00Z"), isDeleted: true }, SEEDED),
      SEEDED,
    );

    app = await startTestApp({
      env: {
        AMS_SOURCE: "imis",
        IMIS_URL: fake.url,
        IMIS_USERNAME: fake.username,
        IMIS_PASSWORD: fake.password,
        IMIS_RETRY_BASE: "0",
        IMIS_PAGE_SIZE: "4",
        IMIS_BATCH_SIZE: "3",
        IMIS_GROUP_TYPES: "Committee:Committee,Chapter:Chapter,Access Group:security",
        SYNC_NON_MEMBER_TYPES: "NM",
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "30m",
      },
      overrides: { clock, timers },
    });
    ws = wsClient(app.url, ADMIN_KEY);
    await new Promise<void>((resolve, reject) => {
      ws.client.subscribe<{ syncProgress: Run }>(
        { query: `subscription { syncProgress { id kind status refreshed failed } }` },
        {
          next: (result) => {
            const run = result.data?.syncProgress;
            if (!run) return;
            runs.push(run);
            for (const waiter of [...waiters]) if (waiter.test(run)) waiters.splice(waiters.indexOf(waiter), 1) && waiter.resolve(run);
          },
          error: reject,
          complete: () => undefined,
        },
      );
      // The subscription is live once a first event reaches it: a no-op refresh makes one.
      void gqlData(app.url, `mutation { refreshMembers(keys: ["nobody"]) { id } }`, {}, ADMIN_KEY)
        .then(() => finished("MANUAL", 0))
        .then(() => resolve(), reject);
    });
  });

  after(async () => {
    await ws?.client.dispose();
    await app?.stop();
    await fake?.close();
  });

  it("loads every party at the first poll: details, communities by group class, security groups, membership status", {
    timeout: 30_000,
  }, async () => {
    const polls = finished("PERIODIC", 0);
    const eventPolls = finished("EVENTS", 0);
    timers.advance(0);
    const [poll, eventPoll] = await Promise.all([polls, eventPolls]);
    assert.deepEqual([poll.status, poll.refreshed, poll.failed], ["SUCCEEDED", 6, 0]);
    assert.equal(eventPoll.status, "SUCCEEDED");

    const ada = await member("1001");
    assert.deepEqual(
      [ada.status, ada.isMember, ada.memberType, ada.email, ada.companyName, ada.title, ada.memberSince, ada.membershipExpiresOn],
      ["ACTIVE", true, "M", "ada@example.org", "Analytical Engines", "Chair", "2019-01-01", "2027-06-30"],
    );
    assert.deepEqual(
      ada.communities.map((c: any) => [c.community.key, c.community.type, c.role, c.beginDate, c.endDate]),
      [
        ["COMM-FIN", "Committee", "Chair", "2026-01-01", "2027-12-31"],
        ["COMM-FIN", "Committee", "Member", "2022-01-01", "2025-12-31"],
        ["CH-NE", "Chapter", null, null, null],
      ],
    );
    const adaGroups = ada.securityGroups.map((g: any) => g.group.key).sort();
    assert.deepEqual(adaGroups, ["Authenticated", "IsMember", "MemberType:M", "SG-JOURNAL"]);

    const sam = await member("1004");
    assert.ok(
      sam.securityGroups.some((g: any) => g.group.key === "Staff"),
      "a staff member type makes a STAFF member",
    );
    const nora = await member("1005");
    assert.deepEqual([nora.status, nora.isMember], ["ACTIVE", false]);

    const communities = await gqlData<any>(app.url, `{ communities(first: 10) { edges { node { key name type } } } }`, {}, ADMIN_KEY);
    assert.deepEqual(
      communities.communities.edges.map((e: any) => [e.node.key, e.node.type]),
      [
        ["COMM-FIN", "Committee"],
        ["CH-NE", "Chapter"],
      ],
    );
    const events = await gqlData<any>(app.url, `{ events(first: 10) { edges { node { key title category startsAt } } } }`, {}, ADMIN_KEY);
    assert.deepEqual(
      events.events.edges.map((e: any) => [e.node.key, e.node.category]),
      [["ANNCONF", "Conference"]],
      "the cancelled event is not listed",
    );
    assert.equal(fake.requestsTo("/token").length, 1, "one token served the whole load");
  });

  it("picks up a change, a removal and a lapsed membership at the next scheduled poll", { timeout: 30_000 }, async () => {
    const changedAt = new Date(clock.now().getTime() + 5 * 60_000);
    const ada = PEOPLE[0]!;
    fake.setParty("1001", personParty({ ...ada, email: "ada.lovelace@example.org" }, changedAt), changedAt);
    fake.setGroupMembers("1001", [groupMember("1001", NORTHEAST, [])]);
    fake.setParty("1002", personParty({ ...PEOPLE[1]!, paidThrough: "2026-10-31" }, changedAt), changedAt);
    fake.setParty("1003", personParty({ ...PEOPLE[2]!, status: "D" }, changedAt), changedAt);

    const asked = fake.requestsTo("/api/Party").length;
    const next = finished("PERIODIC", finishedCount("PERIODIC"));
    timers.advance(30 * 60_000);
    const poll = await next;
    assert.deepEqual([poll.status, poll.refreshed], ["SUCCEEDED", 3]);
    const filters = fake
      .requestsTo("/api/Party")
      .slice(asked)
      .map((request) => request.query.get("UpdatedOn"));
    assert.ok(
      filters.includes("ge:2026-11-01T07:58:00"),
      `the poll asked for changes since its cursor, less the overlap: ${filters.join(", ")}`,
    );
    assert.equal(fake.requestsTo("/token").length, 2, "the token, 30 minutes old, was renewed before it expired");

    const changed = await member("1001");
    assert.equal(changed.email, "ada.lovelace@example.org");
    assert.deepEqual(
      changed.communities.map((c: any) => c.community.key),
      ["CH-NE"],
      "left the committee",
    );
    const lapsed = await member("1002");
    assert.deepEqual([lapsed.status, lapsed.isMember, lapsed.membershipExpiresOn], ["EXPIRED", false, "2026-10-31"]);
    const removed = await member("1003");
    assert.deepEqual([removed.status, removed.isMember], ["DISABLED", false]);
  });

  it("finds a party deleted outright at a full resync: it is missing, so DISABLED", { timeout: 30_000 }, async () => {
    fake.deleteParty("1006");
    const next = finished("FULL", 0);
    await gqlData(app.url, `mutation { fullResync { id } }`, {}, ADMIN_KEY);
    const run = await next;
    assert.equal(run.failed, 0);
    const gone = await member("1006");
    assert.deepEqual([gone.status, gone.isMember], ["DISABLED", false]);
    assert.equal((await member("1001")).status, "ACTIVE");
  });
});
