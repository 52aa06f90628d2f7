import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureJson } from "../../../test/support/fixture-files";
import type { MemberRecord } from "../member-record";
import { SourceError, SourceErrorCode } from "../source.error";
import { fromMemberInfo, peekMemberKey, toMemberInfo, toPhoneType } from "./member-info.mapper";

const fixture = (name: string) => readFixtureJson(`member-info/__fixtures__/${name}`);

/** Asserts a CONTRACT_VIOLATION whose message mentions every fragment. */
function assertViolation(raw: unknown, memberKey: string | undefined, fragments: Array<string | RegExp>): void {
  assert.throws(
    () => fromMemberInfo(raw),
    (error: unknown) => {
      assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
      assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
      assert.equal(error.memberKey, memberKey);
      for (const fragment of fragments) {
        if (typeof fragment === "string") assert.ok(error.message.includes(fragment), `"${fragment}" in: ${error.message}`);
        else assert.match(error.message, fragment);
      }
      return true;
    },
  );
}

function detailsWith(extra: Record<string, unknown>): unknown {
  return { MemberDetails: { LegacyContactKey: "M-1", ...extra } };
}

/** A canonical record using every field, for the round trips. */
function canonicalRecord(): MemberRecord {
  return {
    memberKey: "M-9",
    memberId: "9009",
    isActive: false,
    isOrganization: false,
    memberType: "Retired",
    prefix: "Ms.",
    firstName: "Zoë",
    middleName: "Ann",
    lastName: "Ngata",
    informalName: "Zo",
    suffix: "III",
    designation: "CPA",
    email: "zoe@example.org",
    phones: [
      { number: "555-0101", type: "WORK" },
      { number: "555-0102", type: null },
      { number: "555-0103", type: "TOLL_FREE" },
      { number: "555-0104", type: "OTHER" },
    ],
    address: {
      line1: "1 Main St",
      line2: "Apt 2",
      line3: "c/o Front Desk",
      city: "Halifax",
      stateProvince: "NS",
      postalCode: "B3H 1A1",
      country: "CA",
    },
    websiteUrl: "https://zoe.example.org",
    socialLinks: [
      { network: "LINKEDIN", url: "https://www.linkedin.com/in/zoe" },
      { network: "FACEBOOK", url: "https://www.facebook.com/zoe" },
      { network: "TWITTER", url: "https://x.com/zoe" },
      { network: "YOUTUBE", url: "https://www.youtube.com/@zoe" },
      { network: "BLOG", url: "https://zoe.blogspot.com" },
      { network: "WORDPRESS", url: "https://zoe.wordpress.com" },
      { network: "OTHER_BLOG", url: "https://medium.com/@zoe" },
    ],
    companyName: "Ngata & Co",
    title: "Partner",
    bio: "Tax specialist. 🎉",
    profileImageUrl: "https://images.example.org/m9.jpg",
    memberSince: "1999-01-31",
    membershipExpiresOn: "2026-02-28",
    excludeFromDirectory: true,
    demographics: [{ typeKey: null, type: "Region", valueKey: "R1", value: "Atlantic", isFreeForm: false }],
    communities: [
      {
        communityKey: "CH-E",
        name: "Eastern Chapter",
        type: "Chapter",
        subType: "Regional",
        parentKey: "CHAPTERS",
        role: "Member",
        sinceDate: "1999-01-31",
        beginDate: "2026-01-01",
        endDate: null,
      },
    ],
    securityGroups: [{ groupKey: "SG-VOL", name: "Volunteers", type: "Security", role: "Lead", beginDate: null, endDate: "2027-01-01" }],
    education: [{ institution: "Victoria University", degree: "LLB", fieldOfStudy: "Law", startDate: "1990-02-01", endDate: null }],
    jobHistory: [{ company: "Ngata & Co", title: "Partner", startDate: "2001-01-01", endDate: null, isCurrent: true }],
    purchases: [
      {
        productCode: "JOURNAL-SUB",
        productName: "Journal",
        orderDate: "2026-01-02",
        status: "Paid",
        quantity: 2,
        termBegin: "2026-01-02",
        termEnd: "2027-01-01",
      },
      { productCode: "BOOK", productName: null, orderDate: null, status: null, quantity: 1, termBegin: null, termEnd: null },
    ],
    sourceUpdatedAt: new Date("2026-10-01T08:09:10.123Z"),
  };
}

describe("fromMemberInfo", () => {
  it("reads the full recorded payload, normalizing as it goes", () => {
    const record = fromMemberInfo(fixture("member-full.json"));
    assert.equal(record.memberKey, "00012345", "trimmed key");
    assert.equal(record.memberId, "12345", "numeric id read as text");
    assert.equal(record.firstName, "Margaret");
    assert.equal(record.middleName, null, "blank becomes null");
    assert.equal(record.memberType, "Regular");
    assert.deepEqual(record.phones, [
      { number: "(312) 555-0142", type: "WORK" },
      { number: "(312) 555-0199", type: "MOBILE" },
      { number: "(312) 555-0100", type: "FAX" },
    ]);
    assert.deepEqual(
      record.socialLinks.map((link) => link.network),
      ["LINKEDIN", "TWITTER", "BLOG", "OTHER_BLOG"],
    );
    assert.equal(record.memberSince, "2011-03-15");
    assert.equal(record.membershipExpiresOn, "2026-12-31", "calendar day as written, not shifted by its offset");
    assert.equal(record.sourceUpdatedAt?.toISOString(), "2026-10-30T14:22:05.123Z", "no offset → UTC");
    assert.equal(record.communities.length, 3);
    assert.deepEqual(record.communities[1], {
      communityKey: "COM-EDU",
      name: "Education Committee",
      type: "Committee",
      subType: "Standing",
      parentKey: null,
      role: "Chair",
      sinceDate: null,
      beginDate: "2025-07-01",
      endDate: "2027-06-30",
    });
    assert.deepEqual(record.securityGroups, [
      { groupKey: "SG-BOARD", name: "Board Portal", type: "Security", role: null, beginDate: "2024-01-01", endDate: null },
    ]);
    assert.deepEqual(
      record.demographics.map((d) => [d.type, d.value, d.isFreeForm]),
      [
        ["Area of Practice", "Research", false],
        ["Specialty Notes", "Pediatric oncology trials", true],
      ],
      "the blank answer is dropped",
    );
  });

  it("reads a minimal payload with every optional part missing", () => {
    const record = fromMemberInfo(fixture("member-minimal.json"));
    assert.equal(record.memberKey, "M-000042");
    assert.equal(record.isActive, true);
    assert.equal(record.isOrganization, false);
    assert.equal(record.email, null);
    assert.deepEqual(record.phones, []);
    assert.deepEqual(record.communities, []);
    assert.deepEqual(record.securityGroups, []);
    assert.equal(record.sourceUpdatedAt, null);
  });

  it("takes the member type from a MemberType security group when the details have none", () => {
    const record = fromMemberInfo({
      MemberDetails: { LegacyContactKey: "M-1" },
      SecurityGroups: [{ GroupKey: "MT-STU", GroupName: "Student", GroupType: "Member Type" }],
    });
    assert.equal(record.memberType, "Student");
  });

  it("never fails on Education or JobHistory, whatever their shape", () => {
    const record = fromMemberInfo({ ...(detailsWith({}) as object), Education: "n/a", JobHistory: { odd: true } });
    assert.equal(record.memberKey, "M-1");
    assert.deepEqual([record.education, record.jobHistory], [[], []]);
  });

  it("reads Education and JobHistory entry by entry, with aliases, dropping what does not read", () => {
    const full = fromMemberInfo(fixture("member-full.json"));
    assert.deepEqual(full.education, [
      { institution: "Northwestern University", degree: "PhD", fieldOfStudy: null, startDate: null, endDate: null },
    ]);
    assert.deepEqual(full.jobHistory, [
      { company: "Mercy Hospital", title: "Research Fellow", startDate: "2001-09-01", endDate: null, isCurrent: false },
    ]);
    const record = fromMemberInfo({
      ...(detailsWith({}) as object),
      Education: [
        { School: "State College", Major: "Biology", StartDate: "not a date", GraduationDate: "2010-05-15", Extra: { x: 1 } },
        { Degree: "No institution" },
        "text",
        { Institution: { nested: true } },
      ],
      JobHistory: [{ CompanyName: 42, JobTitle: "Chair", IsCurrent: "yes", EndDate: 2020 }, { Title: "No company" }, null],
    });
    assert.deepEqual(record.education, [
      { institution: "State College", degree: null, fieldOfStudy: "Biology", startDate: null, endDate: "2010-05-15" },
    ]);
    assert.deepEqual(record.jobHistory, [{ company: "42", title: "Chair", startDate: null, endDate: null, isCurrent: true }]);
  });

  it("maps phone types, skipping blank numbers", () => {
    const cases: Array<[string | null, string | null]> = [
      ["OFFICE", "WORK"],
      ["Work", "WORK"],
      ["Business", "WORK"],
      ["MOBILE", "MOBILE"],
      ["Cell", "MOBILE"],
      ["Home", "HOME"],
      ["FAX", "FAX"],
      ["TollFree", "TOLL_FREE"],
      ["Toll Free", "TOLL_FREE"],
      ["Pager", "OTHER"],
      [null, null],
    ];
    for (const [word, expected] of cases) assert.equal(toPhoneType(word), expected, String(word));
    const record = fromMemberInfo(detailsWith({ Phone1: "", Phone1Type: "Work", Phone2: "555", Phone2Type: "" }));
    assert.deepEqual(record.phones, [{ number: "555", type: null }]);
  });
});

describe("fromMemberInfo refuses what breaks the contract", () => {
  it("a malformed member: missing group key, a list that is not a list", () => {
    assertViolation(fixture("member-malformed.json"), "M-BAD-1", [
      'member "M-BAD-1"',
      "CommunityGroups[0].GroupKey: expected non-blank text, got nothing",
      "SecurityGroups: expected array, got text",
    ]);
  });

  it("a payload with no usable key, and one that is not an object", () => {
    assertViolation(fixture("member-no-key.json"), undefined, ["MemberDetails.LegacyContactKey: expected non-blank text"]);
    assertViolation("not a member", undefined, ["the body: expected object, got text"]);
    assertViolation({ MemberDetails: null }, undefined, ["MemberDetails: expected object, got null"]);
  });

  it("wrong types, each named by its path", () => {
    assertViolation(fixture("member-wrong-types.json"), "M-TYPES-1", [
      "MemberDetails.FirstName: expected text or null, got number 42",
      'MemberDetails.IsActive: expected true or false, got text "yes"',
      "MemberDetails.ExcludeFromDirectory: expected true or false, got number 0",
      "MemberDetails.Phone1: expected text or null, got an object",
      "Demographics[0].DemographicTypeValue: expected text or null, got a list of 1",
    ]);
  });

  it("impossible and unreadable dates", () => {
    assertViolation(fixture("member-bad-dates.json"), "M-DATES-1", [
      'MemberDetails.MemberSince: expected a date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss[.fff][Z|±hh:mm]), got text "2026-02-30": no such day',
      "MemberDetails.MemberExpiresOn: expected a date",
      "not in a date format",
      "MemberDetails.LastUpdated",
      "CommunityGroups[0].BeginDate",
      /and 1 more/,
    ]);
    assertViolation(detailsWith({ MemberSince: "0999-12-31" }), "M-1", ["year 999 is before 1000"]);
    assertViolation(detailsWith({ MemberSince: "2026-01-01T10:00:00+25:00" }), "M-1", ["no such offset"]);
  });

  it("values longer than their database column", () => {
    const limits: Array<[string, number]> = [
      ["FirstName", 100],
      ["LastName", 100],
      ["EmailAddress", 320],
      ["Phone1", 64],
      ["PrefixCode", 32],
      ["PostalCode", 32],
      ["Title", 200],
      ["LinkedInURL", 500],
      ["MemberType", 100],
    ];
    for (const [field, max] of limits) {
      assert.doesNotThrow(() => fromMemberInfo(detailsWith({ [field]: "x".repeat(max) })), field);
      assertViolation(detailsWith({ [field]: "x".repeat(max + 1) }), "M-1", [
        `MemberDetails.${field}: expected at most ${max} characters, got ${max + 1}`,
      ]);
    }
    assertViolation({ MemberDetails: { LegacyContactKey: "k".repeat(101) } }, "k".repeat(101), ["LegacyContactKey: expected at most 100"]);
    assertViolation(
      { MemberDetails: { LegacyContactKey: "M-1" }, CommunityGroups: [{ GroupKey: "C", GroupName: "n".repeat(201) }] },
      "M-1",
      ["CommunityGroups[0].GroupName: expected at most 200 characters"],
    );
    assertViolation(
      {
        MemberDetails: { LegacyContactKey: "M-1" },
        CommunityGroups: [{ GroupKey: "C", GroupName: "C", RoleDescription: "r".repeat(101) }],
      },
      "M-1",
      ["CommunityGroups[0].RoleDescription: expected at most 100 characters"],
    );
  });

  it("counts characters as the database does, and bounds long text in characters and bytes", () => {
    assert.doesNotThrow(() => fromMemberInfo(detailsWith({ FirstName: "🎉".repeat(100) })), "100 emoji are 100 characters");
    assert.doesNotThrow(() => fromMemberInfo(detailsWith({ Bio: "b".repeat(60_000) })));
    assertViolation(detailsWith({ Bio: "b".repeat(60_001) }), "M-1", ["MemberDetails.Bio: expected at most 60000 characters, got 60001"]);
    assertViolation(detailsWith({ Bio: "€".repeat(30_000) }), "M-1", ["MemberDetails.Bio: expected at most 65535 bytes"]);
  });

  it("does not echo long member text into the message", () => {
    assert.throws(
      () => fromMemberInfo(detailsWith({ IsActive: `secret ${"s".repeat(200)}` })),
      (error: unknown) => error instanceof SourceError && error.message.length < 300,
    );
  });
});

describe("toMemberInfo", () => {
  it("round-trips a canonical record losslessly, also through JSON", () => {
    const record = canonicalRecord();
    assert.deepEqual(fromMemberInfo(toMemberInfo(record)), record);
    assert.deepEqual(fromMemberInfo(JSON.parse(JSON.stringify(toMemberInfo(record)))), record);
  });

  it("round-trips a read payload: wire → record → wire → record", () => {
    for (const name of ["member-full.json", "member-minimal.json"]) {
      const record = fromMemberInfo(fixture(name));
      const wire = toMemberInfo(record);
      assert.deepEqual(fromMemberInfo(wire), record, name);
      assert.deepEqual(toMemberInfo(fromMemberInfo(wire)), wire, name);
    }
  });

  it("sends LastUpdated given, calendar days at midnight, and phone types as labels", () => {
    const wire = toMemberInfo(canonicalRecord(), new Date("2026-01-02T03:04:05.000Z"));
    assert.equal(wire.MemberDetails.LastUpdated, "2026-01-02T03:04:05.000Z");
    assert.equal(wire.MemberDetails.MemberSince, "1999-01-31T00:00:00");
    assert.equal(wire.MemberDetails.Phone3Type, "TollFree");
    assert.equal(wire.MemberDetails.Phone2Type, null);
  });

  it("peekMemberKey reads the key of anything shaped enough", () => {
    assert.equal(peekMemberKey({ MemberDetails: { LegacyContactKey: 77 } }), "77");
    assert.equal(peekMemberKey({ MemberDetails: "x" }), null);
    assert.equal(peekMemberKey(null), null);
  });
});
