import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureJson } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { readSalesforceEvents } from "./salesforce-event.mapper";
import type { SoqlRecord } from "./salesforce-fields";
import { FONTEVA_MAPPING, type SalesforceMapping } from "./salesforce-mapping";
import { type ContactBundle, toMemberRecord } from "./salesforce-member.mapper";

const records = (name: string) => (readFixtureJson(`salesforce/__fixtures__/${name}`) as { records: SoqlRecord[] }).records;

function bundle(overrides: Partial<ContactBundle> = {}): ContactBundle {
  return {
    contact: records("query-contact.json")[0]!,
    memberships: records("query-subscriptions.json"),
    communities: records("query-community-members.json").map((row) => ({ mapping: FONTEVA_MAPPING.communities[0]!, row })),
    securityGroups: records("query-badges.json").map((row) => ({ mapping: FONTEVA_MAPPING.securityGroups[0]!, row })),
    ...overrides,
  };
}

describe("a Fonteva Contact and its rows as a canonical member", () => {
  it("maps Contact fields, the current subscription, committee seats and badges", () => {
    const record = toMemberRecord(bundle(), FONTEVA_MAPPING);
    assert.equal(record.memberKey, "0035e00000AbCdEAAA");
    assert.deepEqual([record.prefix, record.firstName, record.lastName, record.title], ["Dr.", "Caroline", "Qureshi", "Chair"]);
    assert.equal(record.email, "caroline@example.org", "the preferred email wins over Email");
    assert.equal(record.companyName, "FON-ABC Corporation", "Account.Name through the relationship");
    assert.deepEqual(record.address, {
      line1: "932 N Kenmore St",
      line2: "Suite 200",
      line3: null,
      city: "Arlington",
      stateProvince: "Virginia",
      postalCode: "22201",
      country: "United States",
    });
    assert.deepEqual(record.phones, [{ number: "2029117181", type: "WORK" }]);
    // The Active subscription is current even though another was activated earlier.
    assert.equal(record.memberType, "Institutional Membership");
    assert.equal(record.membershipExpiresOn, "2027-12-31");
    assert.equal(record.memberSince, "2019-08-13", "the earliest activation of any subscription");
    assert.deepEqual(
      record.communities.map((c) => [c.communityKey, c.name, c.type, c.role, c.beginDate, c.endDate]),
      [["a0M4W00000dcoXBUAY", "Finance Committee", "Committee", "Chair", "2018-04-21", null]],
      "the inactive seat is left out",
    );
    assert.deepEqual(
      record.securityGroups.map((g) => [g.groupKey, g.name, g.type, g.endDate]),
      [
        ["a154W00000926QvQAI", "Institutional Membership", "Subscription", "2027-12-31"],
        ["a154W00000926QzQAI", "FON - National Membership", "Subscription", "2019-12-31"],
        ["a0k4W00000DtAGUQA3", "FON-Individual Member Badge", "Badge", null],
      ],
    );
    assert.equal(
      record.sourceUpdatedAt?.toISOString(),
      "2026-11-22T10:00:00.000Z",
      "the newest SystemModstamp of the Contact and its rows",
    );
  });

  it("falls back to Email, reads a lapsed membership's paid-through date, and a cancellation before it", () => {
    const [contact] = records("query-contact.json");
    const lapsed = records("query-subscriptions.json").slice(1);
    const noPreferred = { ...contact!, OrderApi__Preferred_Email__c: "  " };
    const record = toMemberRecord(bundle({ contact: noPreferred, memberships: lapsed }), FONTEVA_MAPPING);
    assert.equal(record.email, "c.qureshi@work.example.com");
    assert.deepEqual([record.memberType, record.membershipExpiresOn], ["FON - National Membership", "2019-12-31"]);
    const cancelled = {
      ...records("query-subscriptions.json")[0]!,
      OrderApi__Status__c: "Cancelled",
      OrderApi__Cancelled_Date__c: "2026-03-01",
    };
    assert.equal(toMemberRecord(bundle({ memberships: [cancelled] }), FONTEVA_MAPPING).membershipExpiresOn, "2026-03-01");
  });

  it("reports configured staff member types as the member type Staff, and no subscription as no type", () => {
    const mapping: SalesforceMapping = { ...FONTEVA_MAPPING, staffMemberTypes: ["Institutional Membership"] };
    assert.equal(toMemberRecord(bundle(), mapping).memberType, "Staff");
    assert.equal(toMemberRecord(bundle({ memberships: [] }), FONTEVA_MAPPING).memberType, null);
  });

  it("refuses a malformed Contact with CONTRACT_VIOLATION naming the field and the member", () => {
    const [contact] = records("query-contact.json");
    assert.throws(
      () => toMemberRecord(bundle({ contact: { ...contact!, LastName: { nested: true } } }), FONTEVA_MAPPING),
      (error: unknown) =>
        error instanceof SourceError &&
        error.code === SourceErrorCode.CONTRACT_VIOLATION &&
        error.memberKey === "0035e00000AbCdEAAA" &&
        /LastName: expected text or null, got an object/.test(error.message),
    );
    const badDate = { ...records("query-subscriptions.json")[0]!, OrderApi__Paid_Through_Date__c: "2027-02-30" };
    assert.throws(() => toMemberRecord(bundle({ memberships: [badDate] }), FONTEVA_MAPPING), /MemberExpiresOn: expected a date/);
  });
});

describe("Fonteva events", () => {
  it("maps events, reads the IANA zone out of Fonteva's label, and fails a bad record alone", () => {
    const page = readSalesforceEvents(records("query-events.json"), FONTEVA_MAPPING.events!);
    assert.equal(page.events.length, 1);
    const [event] = page.events;
    assert.deepEqual(
      [event!.eventKey, event!.title, event!.timeZone, event!.category, event!.isDeleted, event!.startsAt.toISOString()],
      ["a1Y4W000002r0bqUAA", "2020 Annual Symposium", "America/New_York", "Conferences", false, "2026-12-10T17:00:00.000Z"],
    );
    assert.equal(page.newestUpdate, "2026-11-02T09:00:00.000Z");
    assert.equal(page.invalid.length, 1);
    assert.equal(page.invalid[0]!.eventKey, "a1Y4W000002r0brUAA");
    assert.match(page.invalid[0]!.error.message, /StartsAt: expected a date/);
  });

  it("reads an unpublished event as deleted", () => {
    const [first] = records("query-events.json");
    const page = readSalesforceEvents([{ ...first!, EventApi__Is_Published__c: false }], FONTEVA_MAPPING.events!);
    assert.equal(page.events[0]!.isDeleted, true);
  });
});
