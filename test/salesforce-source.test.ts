import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/time/clock";
import { FakeSalesforce } from "./support/fake-salesforce";
import { addSubscription, CLIENT_ID, CLIENT_SECRET, rowsOf, seedEvent, seedMember } from "./support/fonteva-seed";
import { gqlData } from "./support/graphql-client";
import { ManualTimers } from "./support/manual-timers";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

/** The org's clock runs ahead of the gateway's by less than the cursor overlap (2m). */
const ORG_SKEW_MS = 20_000;
const START = "2026-11-23T12:00:00.000Z";

const MEMBERS = `{ members(first: 50) { edges { node {
  key firstName lastName email title companyName memberType status isMember membershipExpiresOn
  communities { role community { key name type } }
  securityGroups { group { key name kind } }
} } } }`;

interface MemberNode {
  key: string;
  firstName: string;
  lastName: string;
  email: string | null;
  title: string | null;
  companyName: string | null;
  memberType: string | null;
  status: string;
  isMember: boolean;
  membershipExpiresOn: string | null;
  communities: Array<{ role: string | null; community: { key: string; name: string; type: string | null } }>;
  securityGroups: Array<{ group: { key: string; name: string; kind: string } }>;
}

describe("AMS_SOURCE=salesforce end to end: a fake Fonteva org over HTTP into MariaDB through the real app", () => {
  const clock = new ManualClock(START);
  const timers = new ManualTimers(clock);
  let fake: FakeSalesforce;
  let app: TestApp;
  const ids: Record<string, string> = {};

  const members = async () =>
    new Map(
      (await gqlData<{ members: { edges: Array<{ node: MemberNode }> } }>(app.url, MEMBERS, {}, ADMIN_KEY)).members.edges.map((edge) => [
        edge.node.key,
        edge.node,
      ]),
    );

  /** Bounded polling of a run through GraphQL until it has ended. */
  async function finished(runId: string): Promise<{ status: string; discovered: number; refreshed: number; failed: number }> {
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const { syncRun } = await gqlData<any>(
        app.url,
        `query($id: ID!) { syncRun(id: $id) { status discovered refreshed failed } }`,
        { id: runId },
        ADMIN_KEY,
      );
      if (syncRun && syncRun.status !== "RUNNING") return syncRun;
      await delay(20);
    }
    assert.fail(`run ${runId} did not end`);
  }

  /** The newest run of a kind started at or after `since`, once it has ended. */
  async function latestRun(kind: string, since: Date) {
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const { syncRuns } = await gqlData<any>(
        app.url,
        `{ syncRuns(first: 20) { edges { node { id kind status startedAt } } } }`,
        {},
        ADMIN_KEY,
      );
      const run = syncRuns.edges.map((edge: any) => edge.node).find((node: any) => node.kind === kind && new Date(node.startedAt) >= since);
      if (run) return finished(run.id);
      await delay(20);
    }
    assert.fail(`no ${kind} run started`);
  }

  before(async () => {
    fake = await FakeSalesforce.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      clock: () => new Date(clock.now().getTime() + ORG_SKEW_MS),
    });
    clock.set("2026-11-20T09:00:00.000Z");
    ids.ada = seedMember(fake.org, {
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.org",
      company: "Analytical Engines",
      membership: { item: "Regular Membership", activated: "2020-01-01", paidThrough: "2027-12-31" },
      committees: [{ name: "Finance Committee", role: "Chair", activated: "2024-01-01" }],
      badges: [{ name: "Volunteer", awarded: "2024-05-01" }],
    });
    ids.ben = seedMember(fake.org, {
      firstName: "Ben",
      lastName: "Franklin",
      email: "ben@example.org",
      membership: { item: "Regular Membership", activated: "2021-01-01", paidThrough: "2027-06-30" },
    });
    ids.cat = seedMember(fake.org, {
      firstName: "Cat",
      lastName: "Stevens",
      membership: { item: "Student", activated: "2025-09-01", paidThrough: "2027-08-31" },
      committees: [{ name: "Chicago Chapter", type: "Chapter" }],
    });
    ids.dee = seedMember(fake.org, {
      firstName: "Dee",
      lastName: "Staffer",
      membership: { item: "Staff Membership", activated: "2019-01-01", paidThrough: "2030-12-31" },
    });
    seedEvent(fake.org, {
      name: "Annual Meeting",
      start: "2027-03-01T15:00:00.000+0000",
      end: "2027-03-01T21:00:00.000+0000",
      category: "Meetings",
    });
    seedEvent(fake.org, { name: "Unpublished Draft", start: "2027-04-01T15:00:00.000+0000", published: false });
    clock.set(START);
    const mappingFile = path.join(mkdtempSync(path.join(tmpdir(), "sf-e2e-")), "mapping.json");
    writeFileSync(mappingFile, JSON.stringify({ staffMemberTypes: ["Staff Membership"] }));
    app = await startTestApp({
      env: {
        AMS_SOURCE: "salesforce",
        SALESFORCE_LOGIN_URL: fake.url,
        SALESFORCE_CLIENT_ID: CLIENT_ID,
        SALESFORCE_CLIENT_SECRET: CLIENT_SECRET,
        SALESFORCE_MAPPING_FILE: mappingFile,
        SALESFORCE_RETRY_BASE: "0",
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "30m",
        EVENT_REFRESH_INTERVAL: "24h",
      },
      overrides: { clock, timers },
    });
  });

  after(async () => {
    await app?.stop();
    await fake?.close();
  });

  it("loads every member with a full resync: details, committees, member types as groups, staff", async () => {
    const { fullResync } = await gqlData<any>(app.url, `mutation { fullResync { id } }`, {}, ADMIN_KEY);
    const run = await finished(fullResync.id);
    assert.deepEqual([run.status, run.discovered, run.refreshed, run.failed], ["SUCCEEDED", 4, 4, 0]);
    const cached = await members();
    const ada = cached.get(ids.ada!)!;
    assert.deepEqual(
      [ada.firstName, ada.email, ada.companyName, ada.memberType, ada.status, ada.isMember, ada.membershipExpiresOn],
      ["Ada", "ada@example.org", "Analytical Engines", "Regular Membership", "ACTIVE", true, "2027-12-31"],
    );
    assert.deepEqual(
      ada.communities.map((c) => [c.community.name, c.community.type, c.role]),
      [["Finance Committee", "Committee", "Chair"]],
    );
    const groups = (member: MemberNode) => member.securityGroups.map((membership) => membership.group.key).sort();
    assert.ok(groups(ada).includes("MemberType:Regular Membership"), "the member type is a security group");
    assert.ok(
      ada.securityGroups.some((membership) => membership.group.name === "Volunteer" && membership.group.kind === "AMS"),
      "the badge",
    );
    assert.ok(groups(ada).includes("IsMember") && !groups(ada).includes("Staff"));
    const cat = cached.get(ids.cat!)!;
    assert.deepEqual(
      cat.communities.map((c) => [c.community.name, c.community.type]),
      [["Chicago Chapter", "Chapter"]],
    );
    const dee = cached.get(ids.dee!)!;
    assert.equal(dee.memberType, "Staff");
    assert.ok(groups(dee).includes("Staff"), "a staff member type makes the member STAFF");
  });

  it("reads events on the events poll", async () => {
    const since = clock.now();
    timers.advance(0);
    const run = await latestRun("EVENTS", since);
    assert.equal(run.status, "SUCCEEDED");
    const { events } = await gqlData<any>(
      app.url,
      `{ events(first: 10) { edges { node { key title category timeZone startsAt endsAt } } } }`,
      {},
      ADMIN_KEY,
    );
    assert.deepEqual(
      events.edges.map((edge: any) => [edge.node.title, edge.node.category, edge.node.timeZone, edge.node.startsAt]),
      [["Annual Meeting", "Meetings", "America/Chicago", "2027-03-01T15:00:00.000Z"]],
      "the unpublished event is not listed",
    );
  });

  it("picks up a change, a removal and a lapsed membership with the normal periodic poll", async () => {
    // The scheduled poll at start found the full resync had just read everything (one poll per interval).
    clock.advance(10 * 60_000);
    fake.org.update(ids.ada!, { Title: "Countess" });
    fake.org.delete(ids.ben!);
    // Cat's membership lapses: Fonteva expires the subscription; the Contact itself is untouched.
    const [subscription] = rowsOf(fake.org, "OrderApi__Subscription__c", "OrderApi__Contact__c", ids.cat!);
    fake.org.update(subscription!, { OrderApi__Status__c: "Expired", OrderApi__Paid_Through_Date__c: "2026-10-31" });
    const pollAt = new Date(clock.now().getTime() + 20 * 60_000);
    const before = fake.calls.length;
    timers.advance(20 * 60_000);
    const run = await latestRun("PERIODIC", pollAt);
    assert.deepEqual([run.status, run.failed], ["SUCCEEDED", 0]);
    assert.ok(fake.calls.slice(before).includes("updated"), "within 30 days the poll asks sObject Get Updated");
    const cached = await members();
    assert.equal(cached.get(ids.ada!)!.title, "Countess");
    assert.equal(cached.get(ids.ben!)!.status, "DISABLED", "a deleted Contact is disabled, never dropped");
    const cat = cached.get(ids.cat!)!;
    assert.deepEqual([cat.isMember, cat.status, cat.membershipExpiresOn], [false, "EXPIRED", "2026-10-31"]);
    const status = await gqlData<any>(app.url, `{ syncStatus { cursors { stream cursor } } }`, {}, ADMIN_KEY);
    const cursor = status.syncStatus.cursors.find((row: any) => row.stream === "members").cursor;
    // The cursor is what Salesforce said it covered (the org's minute), never past the poll's start.
    assert.ok(new Date(cursor) <= pollAt && new Date(cursor).getUTCSeconds() === 0, `cursor ${cursor}`);
  });

  it("after 30 days without polls, falls back to SOQL and still picks up a renewal", async () => {
    clock.advance(31 * 24 * 60 * 60_000);
    addSubscription(fake.org, ids.cat!, { item: "Student", activated: "2026-12-24", paidThrough: "2027-12-31" });
    const pollAt = clock.now();
    const queries = fake.soql.length;
    const { runPeriodicRefresh } = await gqlData<any>(app.url, `mutation { runPeriodicRefresh { id } }`, {}, ADMIN_KEY);
    const run = await finished(runPeriodicRefresh.id);
    assert.equal(run.status, "SUCCEEDED");
    assert.ok(
      fake.soql.slice(queries).some((soql) => /FROM OrderApi__Subscription__c WHERE \(SystemModstamp >=/.test(soql)),
      "related rows scanned by SystemModstamp",
    );
    const cat = (await members()).get(ids.cat!)!;
    assert.deepEqual([cat.isMember, cat.membershipExpiresOn], [true, "2027-12-31"]);
    assert.ok(pollAt <= clock.now());
  });
});
