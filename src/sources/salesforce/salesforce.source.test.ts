import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { FakeSalesforce } from "../../../test/support/fake-salesforce";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  INTEGRATION_USER,
  salesforceConfig,
  seedEvent,
  seedMember,
  testKeyPair,
} from "../../../test/support/fonteva-seed";
import type { SalesforceSourceConfig } from "../../config/salesforce.config";
import { createLogger } from "../../observability/logger";
import { ManualClock } from "../../time/clock";
import type { MemberChange } from "../ams-source";
import { SourceError, SourceErrorCode } from "../source.error";
import { SalesforceSource } from "./salesforce.source";

const START = "2026-11-23T12:00:00.000Z";
const DAY_MS = 24 * 60 * 60_000;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const page of pages) seen.push(page);
  return seen;
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (error instanceof SourceError ? error.code : `not a SourceError: ${String(error)}`),
  );

describe("the Salesforce source against a fake org over HTTP", () => {
  const clock = new ManualClock(START);
  let fake: FakeSalesforce;
  let keys: Awaited<ReturnType<typeof testKeyPair>>;
  const sleeps: number[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    "warn",
    new Writable({ write: (chunk, _encoding, done) => done(void logLines.push(JSON.parse(String(chunk)))) }),
  );
  const source = (overrides: Partial<SalesforceSourceConfig> & { privateKeyPem?: string } = {}, pageSize?: number) =>
    new SalesforceSource(salesforceConfig(fake, overrides), {
      logger,
      clock,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      pageSize,
    });
  let ada: string;
  let ben: string;
  let cy: string;

  before(async () => {
    keys = await testKeyPair();
    fake = await FakeSalesforce.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      publicKey: keys.publicKey,
      username: INTEGRATION_USER,
      clock: () => clock.now(),
      pageSize: 2,
    });
    clock.set("2026-11-01T09:00:00.000Z");
    ada = seedMember(fake.org, {
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.org",
      company: "Analytical Engines",
      membership: { item: "Regular Membership", activated: "2020-01-01", paidThrough: "2027-12-31" },
      committees: [{ name: "Finance Committee", role: "Chair", activated: "2024-01-01" }],
      badges: [{ name: "Volunteer" }],
    });
    clock.set("2026-11-05T09:00:00.000Z");
    ben = seedMember(fake.org, {
      firstName: "Ben",
      lastName: "Franklin",
      membership: { item: "Student", activated: "2025-09-01", paidThrough: "2026-08-31", status: "Expired" },
    });
    clock.set("2026-11-10T09:00:00.000Z");
    cy = seedMember(fake.org, { firstName: "Cy", lastName: "Young" });
    seedEvent(fake.org, { name: "Annual Meeting", start: "2027-03-01T15:00:00.000+0000", category: "Meetings" });
    clock.set(START);
  });

  after(() => fake.close());

  it("signs in with client credentials, lists everyone with SOQL paged by nextRecordsUrl, and fetches full records", async () => {
    const salesforce = source();
    const pages = await all(salesforce.changedMembers(null));
    assert.deepEqual(
      pages.map((page) => page.length),
      [2, 1],
      "the fake pages two records at a time",
    );
    assert.equal(pages.flat()[0]!.memberKey, ada);
    assert.equal(pages.flat()[0]!.lastUpdated, "2026-11-01T09:00:00.000+0000", "a full load reports each Contact's SystemModstamp");
    const fetched = await salesforce.fetchMembers([ada, ben]);
    assert.deepEqual([fetched.missing, fetched.invalid], [[], []]);
    const [first, second] = fetched.members;
    assert.deepEqual(
      [first!.firstName, first!.email, first!.companyName, first!.memberType, first!.membershipExpiresOn],
      ["Ada", "ada@example.org", "Analytical Engines", "Regular Membership", "2027-12-31"],
    );
    assert.deepEqual(
      first!.communities.map((c) => [c.name, c.type, c.role]),
      [["Finance Committee", "Committee", "Chair"]],
    );
    assert.deepEqual(
      first!.securityGroups.map((g) => [g.name, g.type]),
      [
        ["Regular Membership", "Subscription"],
        ["Volunteer", "Badge"],
      ],
    );
    assert.deepEqual([second!.memberType, second!.membershipExpiresOn], ["Student", "2026-08-31"]);
    assert.ok(
      salesforce.lastApiUsage && salesforce.lastApiUsage.limit === 100_000 && salesforce.lastApiUsage.used > 0,
      "Sforce-Limit-Info is read",
    );
  });

  it("signs in with a JWT bearer assertion signed RS256, and a wrong key is AUTH_REJECTED", async () => {
    const tokensBefore = fake.calls.filter((call) => call === "token").length;
    const fetched = await source({ privateKeyPem: keys.privateKeyPem }).fetchMembers([ada]);
    assert.equal(fetched.members[0]!.lastName, "Lovelace");
    assert.equal(fake.calls.filter((call) => call === "token").length, tokensBefore + 1);
    const other = await testKeyPair();
    assert.equal(await codeOf(source({ privateKeyPem: other.privateKeyPem }).fetchMembers([ada])), SourceErrorCode.AUTH_REJECTED);
  });

  it("says missing for an unknown or deleted Contact, invalid for a key that is no record id, and a malformed record fails alone", async () => {
    const gone = seedMember(fake.org, { firstName: "Gone", lastName: "Soon" });
    fake.org.delete(gone);
    const odd = seedMember(fake.org, { firstName: "Odd", lastName: "Record" });
    fake.org.poke(odd, { LastName: { unexpected: "object" } });
    const fetched = await source().fetchMembers([ada, gone, "003000000000999AAA", "M'1 OR Id != null", odd]);
    assert.deepEqual(
      fetched.members.map((member) => member.memberKey),
      [ada],
    );
    assert.deepEqual(fetched.missing, [gone, "003000000000999AAA"]);
    assert.deepEqual(
      fetched.invalid.map((entry) => [entry.memberKey, entry.error.code]),
      [
        ["M'1 OR Id != null", SourceErrorCode.CONTRACT_VIOLATION],
        [odd, SourceErrorCode.CONTRACT_VIOLATION],
      ],
    );
    assert.match(fetched.invalid[1]!.error.message, /LastName/);
    assert.ok(!fake.soql.some((soql) => soql.includes("OR Id")), "a key that is not an id never reaches SOQL");
    fake.org.delete(odd);
  });

  it("within 30 days asks sObject Get Updated and Get Deleted, reports latestDateCovered, and maps related rows to their Contact", async () => {
    const salesforce = source();
    clock.set("2026-11-23T12:00:30.000Z");
    fake.org.update(ben, { Title: "Printer" });
    // A committee seat changes; only its row's SystemModstamp moves, not the Contact's.
    const seat = fake.org.select(
      { fields: ["Id"], from: "PagesApi__Community_Group_Member__c", where: [], orderBy: [], limit: null },
      { all: false, apiVersion: "62.0" },
    )[0]!;
    fake.org.update(seat.Id as string, { PagesApi__Role__c: "Vice Chair" });
    clock.set("2026-11-23T12:05:10.000Z");
    const before = fake.calls.length;
    // 12:00:45 is read from 12:00:00: the replication calls ignore seconds, so this is inclusive.
    const changes = (await all(salesforce.changedMembers(new Date("2026-11-23T12:00:45.000Z")))).flat();
    const made = fake.calls.slice(before);
    assert.ok(made.includes("updated") && made.includes("deleted"));
    assert.ok(!fake.soql.slice(-3).some((soql) => soql.startsWith("SELECT Id, SystemModstamp FROM Contact")), "no SOQL scan of Contact");
    const listed = changes.map((change: MemberChange) => change.memberKey);
    assert.ok(listed.includes(ben), "the changed Contact");
    assert.ok(listed.includes(ada), "the Contact whose committee seat changed");
    assert.ok(!listed.includes(cy), "not a Contact that did not change");
    assert.ok(
      changes.every((change) => change.lastUpdated === "2026-11-23T12:05:00.000+0000"),
      "latestDateCovered, the minute the window ended",
    );
  });

  it("lists a Contact deleted within the window, which then fetches as missing", async () => {
    const doomed = seedMember(fake.org, { firstName: "Dee", lastName: "Leted" });
    clock.advance(60_000);
    fake.org.delete(doomed);
    clock.advance(60_000);
    const salesforce = source();
    const changes = (await all(salesforce.changedMembers(new Date(clock.now().getTime() - 90_000)))).flat();
    assert.ok(changes.some((change) => change.memberKey === doomed));
    assert.deepEqual((await salesforce.fetchMembers([doomed])).missing, [doomed]);
  });

  it("falls back to SOQL on SystemModstamp for a since older than 30 days, and on EXCEEDED_ID_LIMIT", async () => {
    const salesforce = source();
    const before = fake.calls.length;
    const old = (await all(salesforce.changedMembers(new Date(clock.now().getTime() - 31 * DAY_MS)))).flat();
    assert.ok(!fake.calls.slice(before).includes("updated"));
    assert.ok(old.some((change) => change.memberKey === ada && change.lastUpdated === "2026-11-01T09:00:00.000+0000"));
    const limited = await FakeSalesforce.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, clock: () => clock.now(), idLimit: 1 });
    try {
      seedMember(limited.org, { firstName: "A", lastName: "One" });
      seedMember(limited.org, { firstName: "B", lastName: "Two" });
      clock.advance(60_000);
      const viaLimit = new SalesforceSource(salesforceConfig(limited), { logger, clock, sleep: async () => undefined });
      const listed = (await all(viaLimit.changedMembers(new Date(clock.now().getTime() - 5 * 60_000)))).flat();
      assert.equal(listed.length, 2);
      assert.ok(
        limited.calls.includes("updated") &&
          limited.soql.some((soql) => soql.startsWith("SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >=")),
      );
    } finally {
      await limited.close();
    }
  });

  it("signs in again once on INVALID_SESSION_ID; refused twice is AUTH_REJECTED", async () => {
    const salesforce = source();
    await salesforce.fetchMembers([ada]);
    const tokens = () => fake.calls.filter((call) => call === "token").length;
    const before = tokens();
    fake.expireSessions();
    assert.equal((await salesforce.fetchMembers([ada])).members.length, 1);
    assert.equal(tokens(), before + 1, "one new sign-in");
    fake.failSession(2);
    assert.equal(await codeOf(salesforce.fetchMembers([ada])), SourceErrorCode.AUTH_REJECTED);
  });

  it("retries 503 with the injected back-off, and gives up TEMPORARY when it keeps failing", async () => {
    const salesforce = source();
    await salesforce.fetchMembers([ada]);
    sleeps.length = 0;
    fake.failUnavailable(2);
    assert.equal((await salesforce.fetchMembers([ada])).members.length, 1);
    assert.equal(sleeps.length, 2, "waited before each retry, through the injected sleep");
    fake.failUnavailable(3);
    assert.equal(await codeOf(salesforce.fetchMembers([ada])), SourceErrorCode.TEMPORARY);
  });

  it("an API limit is TEMPORARY with retryAfterMs: the configured back-off, or Retry-After; a short one is waited out", async () => {
    const salesforce = source({ limitBackoffMs: 600_000 });
    await salesforce.fetchMembers([ada]);
    fake.failLimit(1, { status: 403 });
    const refused = await salesforce.fetchMembers([ada]).catch((error: unknown) => error);
    assert.ok(refused instanceof SourceError && refused.code === SourceErrorCode.TEMPORARY);
    assert.equal(refused.retryAfterMs, 600_000, "no in-call retry: the queue waits the back-off out");
    fake.failLimit(1, { status: 429, retryAfterSeconds: 120 });
    assert.equal(((await salesforce.fetchMembers([ada]).catch((error: unknown) => error)) as SourceError).retryAfterMs, 120_000);
    sleeps.length = 0;
    fake.failLimit(1, { status: 429, retryAfterSeconds: 3 });
    assert.equal((await salesforce.fetchMembers([ada])).members.length, 1);
    assert.deepEqual(sleeps, [3_000]);
  });

  it("warns when the org's API usage passes the configured share", async () => {
    logLines.length = 0;
    await source({ limitWarnShare: 0 }).fetchMembers([ada]);
    const warning = logLines.find((line) => String(line.msg).includes("API usage"));
    assert.ok(warning && typeof warning.used === "number" && warning.limit === 100_000);
    assert.ok(
      !JSON.stringify(logLines).includes(CLIENT_SECRET) && !JSON.stringify(logLines).includes("00D000000000001!"),
      "no secret or token in the log",
    );
  });

  it("lists events changed since a time, inclusively by minute", async () => {
    const salesforce = source();
    const everything = (await all(salesforce.changedEvents(null))).flatMap((page) => page.events);
    assert.deepEqual(
      everything.map((event) => [event.title, event.category, event.timeZone]),
      [["Annual Meeting", "Meetings", "America/Chicago"]],
    );
    assert.deepEqual((await all(salesforce.changedEvents(new Date("2026-11-10T09:00:59.000Z")))).flatMap((page) => page.events).length, 1);
    assert.deepEqual((await all(salesforce.changedEvents(new Date("2026-11-10T09:01:00.000Z")))).flatMap((page) => page.events).length, 0);
  });

  it("reports an event deleted in Salesforce as deleted", async () => {
    const cancelled = seedEvent(fake.org, { name: "Cancelled Gala", start: "2027-05-01T15:00:00.000+0000" });
    const since = clock.now();
    clock.advance(60_000);
    fake.org.delete(cancelled);
    const events = (await all(source().changedEvents(since))).flatMap((page) => page.events);
    assert.deepEqual(
      events.map((event) => [event.eventKey, event.title, event.isDeleted]),
      [[cancelled, "Cancelled Gala", true]],
    );
  });
});
