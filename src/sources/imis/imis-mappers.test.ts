import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ImisGroupRule } from "../../config/imis.config";
import { readFixtureJson } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { readPagedResult } from "./imis-envelope";
import { readImisEventsPage } from "./imis-event.mapper";
import { ImisGroupMapper } from "./imis-group.mapper";
import { ImisPartyMapper } from "./imis-party.mapper";

const RULES = {
  staffTypes: ["STAFF"],
  memberTypeAttribute: "CustomerTypeCode",
  paidThroughAttribute: "PaidThruDate",
  joinDateAttribute: "JoinDate",
  activeStatuses: ["A", "Active"],
};
const GROUP_RULES: ImisGroupRule[] = [
  { groupClass: "committee", target: { kind: "community", type: "Committee", subType: null } },
  { groupClass: "Chapter", target: { kind: "community", type: "Chapter", subType: "Local" } },
  { groupClass: "Access Group", target: { kind: "security" } },
];

const itemsOf = (fixture: string) => readPagedResult(readFixtureJson(`imis/__fixtures__/${fixture}`), fixture).items;

describe("ImisPartyMapper", () => {
  const mapper = new ImisPartyMapper(RULES);

  it("reads a recorded person: name parts, primary email, phones, address, company, membership attributes, status", () => {
    const [person] = itemsOf("party-page.json");
    const record = mapper.read(person);
    assert.deepEqual(
      {
        key: record.memberKey,
        id: record.memberId,
        name: [record.prefix, record.firstName, record.middleName, record.lastName, record.suffix, record.informalName, record.designation],
        email: record.email,
        phones: record.phones,
        address: record.address,
        company: [record.companyName, record.title],
        membership: [record.memberType, record.memberSince, record.membershipExpiresOn],
        flags: [record.isActive, record.isOrganization],
        updated: record.sourceUpdatedAt?.toISOString(),
        groups: record.securityGroups,
      },
      {
        key: "18344",
        id: "18344",
        name: ["Dr.", "Grace", "Brewster", "Hopper", "PhD", "Gracie", "FACM"],
        email: "grace.hopper@example.org",
        phones: [
          { number: "+1 703 555 0101", type: "WORK" },
          { number: "+1 703 555 0199", type: "MOBILE" },
        ],
        address: {
          line1: "1 Navy Yard",
          line2: "Building 4",
          line3: "Suite 12",
          city: "Arlington",
          stateProvince: "VA",
          postalCode: "22202",
          country: "US",
        },
        company: ["Eckert-Mauchly Computer Corporation", "Senior Mathematician"],
        membership: ["M", "1998-04-01", "2027-03-31"],
        flags: [true, false],
        updated: "2026-10-30T14:22:05.123Z",
        groups: [],
      },
    );
  });

  it("reads a recorded organization as inactive when its status is not listed as active", () => {
    const [, organization] = itemsOf("party-page.json");
    const record = mapper.read(organization);
    assert.deepEqual(
      [
        record.isOrganization,
        record.isActive,
        record.companyName,
        record.firstName,
        record.lastName,
        record.memberType,
        record.membershipExpiresOn,
      ],
      [true, false, "Eckert-Mauchly Computer Corporation", null, null, "CM", null],
    );
  });

  it("gives staff member types the AMS group Staff, and reads attribute names from the configuration", () => {
    const staff = new ImisPartyMapper({ ...RULES, staffTypes: ["m"], paidThroughAttribute: "RenewedThruDate" });
    const record = staff.read(itemsOf("party-page.json")[0]);
    assert.deepEqual(record.securityGroups, [
      { groupKey: "IMIS-STAFF", name: "Staff", type: "Staff", role: null, beginDate: null, endDate: null },
    ]);
    assert.equal(record.membershipExpiresOn, null, "RenewedThruDate is not on the recorded party");
  });

  it("names every bad field of a malformed party, with its key", () => {
    const [bad, good] = itemsOf("party-malformed.json");
    assert.throws(
      () => mapper.read(bad),
      (error: unknown) => {
        assert.ok(error instanceof SourceError && error.code === SourceErrorCode.CONTRACT_VIOLATION);
        assert.equal(error.memberKey, "18350");
        assert.match(error.message, /^Party "18350" does not match the contract: /);
        assert.match(error.message, /Emails: expected array, got an object/);
        assert.match(error.message, /AdditionalAttributes\.PaidThruDate: expected a date .*no such day/);
        return true;
      },
    );
    assert.equal(mapper.read(good).lastName, "Babbage");
  });
});

describe("ImisGroupMapper", () => {
  const mapper = new ImisGroupMapper(GROUP_RULES);

  it("maps group classes to community types by rule, one membership per term, security classes to groups, and skips unmapped classes", () => {
    const [committee, chapter, event, access] = itemsOf("group-members.json")
      .slice(0, 4)
      .map((raw) => mapper.read(raw));
    assert.deepEqual(
      committee!.communities.map((c) => [c.communityKey, c.name, c.type, c.subType, c.role, c.beginDate, c.endDate]),
      [
        ["COMM-FIN", "Finance Committee", "Committee", null, "Chair", "2025-07-01", "2027-06-30"],
        ["COMM-FIN", "Finance Committee", "Committee", null, "Member", "2021-07-01", "2025-06-30"],
      ],
    );
    assert.deepEqual(
      chapter!.communities.map((c) => [c.communityKey, c.type, c.subType, c.role, c.beginDate, c.endDate]),
      [["CHAPTER-DC", "Chapter", "Local", null, null, null]],
    );
    assert.deepEqual([event!.communities, event!.securityGroups], [[], []]);
    assert.deepEqual(access, {
      partyId: "18345",
      communities: [],
      securityGroups: [
        { groupKey: "SG-JOURNAL", name: "Journal editors", type: "Security", role: "Editor", beginDate: "2026-01-01", endDate: null },
      ],
    });
  });

  it("refuses a malformed term, naming the party", () => {
    const bad = itemsOf("group-members.json")[4];
    assert.throws(
      () => mapper.read(bad),
      (error: unknown) => {
        assert.ok(error instanceof SourceError && error.memberKey === "18346");
        assert.match(error.message, /GroupMember of party "18346" .*MembershipDetails\[0\]\.EffectiveDate: expected a date/);
        return true;
      },
    );
  });
});

describe("iMIS events", () => {
  it("reads a recorded page; a malformed event fails alone; a cancelled one is deleted", () => {
    const page = readImisEventsPage(itemsOf("events.json"));
    assert.deepEqual(
      page.events.map((e) => [
        e.eventKey,
        e.title,
        e.startsAt.toISOString(),
        e.endsAt?.toISOString() ?? null,
        e.category,
        e.location,
        e.isDeleted,
      ]),
      [
        [
          "ANNCONF",
          "Annual Conference 2027",
          "2027-05-12T09:00:00.000Z",
          "2027-05-14T17:00:00.000Z",
          "Conference",
          "Convention Center, Baltimore, MD",
          false,
        ],
        ["WEB-0401", "Webinar: Chapter leaders", "2026-12-01T16:00:00.000Z", null, null, null, true],
      ],
    );
    assert.equal(page.invalid.length, 1);
    assert.equal(page.invalid[0]!.eventKey, "WEB-0312");
    assert.match(page.invalid[0]!.error.message, /Event "WEB-0312" .*StartDateTime: expected a date/);
    assert.equal(page.newestUpdate, "2026-10-22T10:00:00.000Z");
  });
});
