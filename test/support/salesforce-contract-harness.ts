import { createHash } from "node:crypto";
import { createLogger } from "../../src/observability/logger";
import type { AmsSource, FetchedMembers, MemberChange } from "../../src/sources/ams-source";
import { SalesforceSource } from "../../src/sources/salesforce/salesforce.source";
import { isRecordId } from "../../src/sources/salesforce/soql";
import { ManualClock } from "../../src/time/clock";
import { FakeSalesforce } from "./fake-salesforce";
import { CLIENT_ID, CLIENT_SECRET, salesforceConfig } from "./fonteva-seed";
import type { ContractFault, ContractMember, SourceContractHarness } from "./source-contract";

export type { ContractFault, ContractMember, SourceContractHarness };

// Local copy of the shared contract suite's types; its owner switches this to an import on merge.

const PAGE_SIZE = 3;

/**
 * The Salesforce source over real HTTP against the fake org, for the shared source contract
 * suite. Members are Contacts whose SystemModstamp is their `updatedAt` (the org's clock is set
 * to it while seeding, then a minute past the newest). Faults map onto Salesforce's own:
 * temporary = 503; auth = a refused session whose renewal is refused too (401 INVALID_SESSION_ID,
 * then 400 invalid_grant); retryAfter = 429 with Retry-After.
 *
 * Salesforce keys are 18-character record ids and the source refuses anything else. A suite key
 * that is not one is given a stable id derived from it, and only that key translation sits
 * between the suite and the source (`keyed`); a suite that uses record ids talks to the source
 * directly. Within the replication window changes come from sObject Get Updated, which reads
 * at minute granularity and reports `latestDateCovered` as each change's `lastUpdated`.
 */
export async function createSalesforceContractHarness(): Promise<SourceContractHarness> {
  const clock = new ManualClock("2026-11-23T12:00:00.000Z");
  const fake = await FakeSalesforce.start({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clock: () => clock.now(),
    pageSize: PAGE_SIZE,
  });
  const real = new SalesforceSource(salesforceConfig(fake, { retries: 2 }), {
    logger: createLogger("silent"),
    clock,
    sleep: async () => undefined,
    pageSize: PAGE_SIZE,
  });
  const keys = new KeyMap();
  return {
    source: keyed(real, keys),
    pageSize: PAGE_SIZE,
    // Contacts and their related objects are each read for changes; lastUpdated is latestDateCovered.
    listsPerPart: true,
    lastUpdatedIsWindowEnd: true,
    async seed(members) {
      let newest = Number.NEGATIVE_INFINITY;
      for (const member of [...members].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())) {
        clock.set(member.updatedAt);
        const id = keys.toId(member.memberKey);
        const fields = { FirstName: member.firstName, LastName: member.lastName, Email: member.email };
        if (fake.org.get(id)) fake.org.update(id, fields);
        else fake.org.insert("Contact", { Id: id, ...fields });
        // A record the source must refuse on its own: a name that is an object, not text.
        if (member.malformed) fake.org.poke(id, { LastName: { malformed: true } });
        newest = Math.max(newest, member.updatedAt.getTime());
      }
      if (Number.isFinite(newest)) clock.set(new Date(Math.max(clock.now().getTime(), newest + 60_000)));
    },
    fail(fault) {
      if (fault.kind === "temporary") fake.failUnavailable(fault.times);
      else if (fault.kind === "auth") {
        fake.failSession(fault.times);
        fake.failToken(fault.times);
      } else fake.failLimit(fault.times, { status: 429, retryAfterSeconds: fault.retryAfterSeconds });
    },
    close: () => fake.close(),
  };
}

/** Suite keys ↔ Contact ids; a key that already is a record id maps to itself. */
class KeyMap {
  private readonly keyOf = new Map<string, string>();

  toId(key: string): string {
    const id = isRecordId(key) ? key : `003${createHash("sha256").update(key).digest("hex").slice(0, 12)}AAA`;
    this.keyOf.set(id, key);
    return id;
  }

  toKey(id: string): string {
    return this.keyOf.get(id) ?? id;
  }
}

/** The real source with member keys translated at its edge; everything else passes through. */
function keyed(source: SalesforceSource, keys: KeyMap): AmsSource {
  return {
    name: source.name,
    maxBatchSize: source.maxBatchSize,
    async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
      for await (const page of source.changedMembers(since))
        yield page.map((change) => ({ ...change, memberKey: keys.toKey(change.memberKey) }));
    },
    async fetchMembers(asked: readonly string[]): Promise<FetchedMembers> {
      const fetched = await source.fetchMembers(asked.map((key) => keys.toId(key)));
      return {
        members: fetched.members.map((member) => ({ ...member, memberKey: keys.toKey(member.memberKey) })),
        missing: fetched.missing.map((id) => keys.toKey(id)),
        invalid: fetched.invalid.map((entry) => ({ ...entry, memberKey: keys.toKey(entry.memberKey) })),
      };
    },
    changedEvents: (since) => source.changedEvents(since),
  };
}
