import type { MemberRecord } from "../../src/sources/member-record";
import { AmsHttpServer } from "../../src/sources/demo/ams-http.server";
import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../../src/sources/demo/demo-dataset";
import { RestSource } from "../../src/sources/rest/rest.source";
import { SalesforceSource } from "../../src/sources/salesforce/salesforce.source";
import type { AmsSource } from "../../src/sources/ams-source";
import { ManualClock } from "../../src/time/clock";
import { FakeSalesforce } from "../../test/support/fake-salesforce";
import type { FakeOrg } from "../../test/support/fake-salesforce-org";
import { CLIENT_ID, CLIENT_SECRET, salesforceConfig } from "../../test/support/fonteva-seed";
import { QUIET, startSyncHarness } from "../../test/support/sync-harness";
import { ensureDatabase } from "../support/bench-database";
import { spreadOf } from "../support/stats";

/**
 * `npm run bench:salesforce`: a full load of BENCH_SF_MEMBERS (default 10,000) demo members
 * through the Salesforce source against the fake org over HTTP, as a ratio to the `rest`
 * source against the demo AMS over HTTP, both into the same MariaDB with the same sync engine
 * (two workers, batches of 200). Each repetition loads both on a fresh schema, alternating
 * which goes first. Both AMSs run in this process, so each side's time includes its fake server.
 */
const MEMBERS = Number(process.env.BENCH_SF_MEMBERS ?? 10_000);
const REPETITIONS = Number(process.env.BENCH_SF_REPETITIONS ?? 3);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "mysql://root@127.0.0.1:3306/amsgate_bench_salesforce";
const START = "2026-11-23T12:00:00.000Z";

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  const clock = new ManualClock(START);
  const association = new DemoAssociation({ seed: 1, members: MEMBERS, clock });
  const demoAms = new AmsHttpServer(new DemoAmsDataset(association), { apiKey: "bench-key" });
  const restUrl = await demoAms.listen(0);
  const fake = await FakeSalesforce.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, clock: () => clock.now() });
  const records = [...association.changes(null)].map((change) => association.member(change.memberKey)!).filter(Boolean);
  for (const record of records) seedFromRecord(fake.org, record);
  console.log(
    `${records.length} members; fake org holds ${fake.org.count("Contact")} Contacts, ${fake.org.count("OrderApi__Subscription__c")} subscriptions, ${fake.org.count("PagesApi__Community_Group_Member__c")} seats, ${fake.org.count("OrderApi__Badge__c")} badges`,
  );
  const times: Record<"rest" | "salesforce", number[]> = { rest: [], salesforce: [] };
  try {
    for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
      const order = repetition % 2 === 0 ? (["rest", "salesforce"] as const) : (["salesforce", "rest"] as const);
      for (const kind of order) {
        const source: AmsSource =
          kind === "rest"
            ? new RestSource({ url: restUrl, apiKey: "bench-key", timeoutMs: 30_000, retries: 0, retryBaseMs: 0 }, { logger: QUIET })
            : new SalesforceSource(salesforceConfig(fake, { retries: 0, timeoutMs: 30_000 }), { logger: QUIET, clock });
        const calls = fake.calls.length;
        const { ms, members } = await fullLoad(source, clock);
        times[kind].push(ms);
        const extra = kind === "salesforce" ? `, ${fake.calls.length - calls} Salesforce API calls` : "";
        console.log(
          `#${repetition + 1} ${kind}: ${members} members in ${(ms / 1000).toFixed(2)} s (${Math.round((members * 1000) / ms)} members/s${extra})`,
        );
      }
    }
  } finally {
    await fake.close();
    await demoAms.close();
  }
  const rest = spreadOf(times.rest);
  const salesforce = spreadOf(times.salesforce);
  console.log(
    `median full load: rest ${(rest.median / 1000).toFixed(2)} s, salesforce ${(salesforce.median / 1000).toFixed(2)} s; salesforce / rest = ${(salesforce.median / rest.median).toFixed(2)}`,
  );
}

async function fullLoad(source: AmsSource, clock: ManualClock): Promise<{ ms: number; members: number }> {
  const harness = await startSyncHarness(source, {
    clock,
    database: { kind: "mysql", url: DATABASE_URL },
    env: { REFRESH_BATCH_SIZE: "200", REFRESH_CONCURRENCY: "2", REFRESH_MAX_ATTEMPTS: "5" },
  });
  try {
    const started = performance.now();
    await harness.engine.internals.poller.pollMembers("FULL");
    await Promise.all([harness.engine.drainQueue(0), harness.engine.drainQueue(1)]);
    const ms = performance.now() - started;
    const [{ count }] = await harness.database.dataSource.query("SELECT COUNT(*) AS count FROM members");
    return { ms, members: Number(count) };
  } finally {
    await harness.close();
  }
}

const named = new Map<string, string>();
function lookup(org: FakeOrg, object: string, name: string, extra: Record<string, unknown> = {}): string {
  const key = `${object}:${name}`;
  if (!named.has(key)) named.set(key, org.insert(object, { Name: name, ...extra }));
  return named.get(key)!;
}

/** The demo member as Fonteva would hold it, so both sources load the same people. */
function seedFromRecord(org: FakeOrg, record: MemberRecord): void {
  const phone = (type: string) => record.phones.find((entry) => entry.type === type)?.number ?? null;
  const contactId = org.insert("Contact", {
    Salutation: record.prefix,
    FirstName: record.firstName,
    LastName: record.lastName ?? record.companyName ?? record.memberKey,
    Email: record.email,
    Title: record.title,
    Description: record.bio,
    AccountId: record.companyName ? lookup(org, "Account", record.companyName) : null,
    MailingStreet: [record.address.line1, record.address.line2, record.address.line3].filter(Boolean).join("\n") || null,
    MailingCity: record.address.city,
    MailingState: record.address.stateProvince,
    MailingPostalCode: record.address.postalCode,
    MailingCountry: record.address.country,
    Phone: phone("WORK"),
    MobilePhone: phone("MOBILE"),
    HomePhone: phone("HOME"),
    Fax: phone("FAX"),
  });
  if (record.memberType) {
    org.insert("OrderApi__Subscription__c", {
      OrderApi__Contact__c: contactId,
      OrderApi__Item__c: lookup(org, "OrderApi__Item__c", record.memberType),
      OrderApi__Activated_Date__c: record.memberSince,
      OrderApi__Paid_Through_Date__c: record.membershipExpiresOn ?? "2099-12-31",
      OrderApi__Status__c: (record.membershipExpiresOn ?? "9999") >= START.slice(0, 10) ? "Active" : "Expired",
    });
  }
  for (const community of record.communities) {
    org.insert("PagesApi__Community_Group_Member__c", {
      PagesApi__Contact__c: contactId,
      PagesApi__Community_Group__c: lookup(org, "PagesApi__Community_Group__c", community.name, { PagesApi__Type__c: community.type }),
      PagesApi__Role__c: community.role,
      PagesApi__Activated_Date__c: community.beginDate,
      PagesApi__Deactivated_Date__c: community.endDate,
      PagesApi__Is_Active__c: true,
    });
  }
  for (const group of record.securityGroups) {
    org.insert("OrderApi__Badge__c", {
      OrderApi__Contact__c: contactId,
      OrderApi__Badge_Type__c: lookup(org, "OrderApi__Badge_Type__c", group.name),
      OrderApi__Awarded_Date__c: group.beginDate,
      OrderApi__Expired_Date__c: group.endDate,
      OrderApi__Is_Active__c: true,
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
