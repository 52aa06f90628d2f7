import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureJson } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { type CustomerBundle, PersonifyMapper, STAFF_MEMBER_TYPE } from "./personify.mapper";
import { DEFAULT_PERSONIFY_MAPPING } from "./personify-mapping.defaults";
import { readCollection } from "./personify-odata.wire";
import { createReaders } from "./personify-readers";

const rows = (name: string) => readCollection(readFixtureJson(`personify/__fixtures__/${name}`), name).rows;
const mapper = (staffMemberTypes = ["STAFF"]) =>
  new PersonifyMapper(DEFAULT_PERSONIFY_MAPPING, createReaders(DEFAULT_PERSONIFY_MAPPING), { staffMemberTypes });

function adaBundle(overrides: Partial<CustomerBundle> = {}): CustomerBundle {
  return {
    customer: rows("customers.verbose.json")[0],
    addresses: rows("customer-addresses.verbose.json"),
    phones: rows("customer-phones.verbose.json"),
    emails: rows("customer-emails.verbose.json"),
    committees: rows("committee-members.verbose.json"),
    orders: rows("membership-orders.verbose.json"),
    committeeNames: new Map(rows("committee-customers.verbose.json").map((row) => [(row as any).MasterCustomerId, (row as any).LabelName])),
    ...overrides,
  };
}

function violation(run: () => unknown): SourceError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
    return error;
  }
  assert.fail("expected a CONTRACT_VIOLATION");
}

describe("PersonifyMapper", () => {
  it("maps a customer with its primary address, phones, e-mail, committees and membership orders", () => {
    const record = mapper().toMemberRecord("000000101", adaBundle());
    assert.deepEqual(
      [
        record.memberKey,
        record.memberId,
        record.isActive,
        record.isOrganization,
        record.prefix,
        record.firstName,
        record.designation,
        record.informalName,
      ],
      ["000000101", "000000101", true, false, "Dr.", "Ada", "PhD", "Ada"],
    );
    assert.equal(record.email, "ada@example.org", "the primary e-mail (PrimaryFlag Y)");
    assert.deepEqual(record.phones, [
      { number: "+44 7700 900123", type: "MOBILE" },
      { number: "+44 20 7946 0000", type: "WORK" },
    ]);
    assert.deepEqual(record.address, {
      line1: "1 Ockham Park",
      line2: "East Horsley",
      line3: null,
      city: "Leatherhead",
      stateProvince: "Surrey",
      postalCode: "KT24 6QY",
      country: "GBR",
    });
    assert.deepEqual(record.communities, [
      {
        communityKey: "C00000010",
        name: "Finance Committee",
        type: "Committee",
        subType: null,
        parentKey: null,
        role: "CHAIR",
        sinceDate: null,
        beginDate: "2025-01-01",
        endDate: "2026-12-31",
      },
      {
        communityKey: "C00000011",
        name: "Education Committee",
        type: "Committee",
        subType: null,
        parentKey: null,
        role: "MEMBER",
        sinceDate: null,
        beginDate: "2024-01-01",
        endDate: null,
      },
    ]);
    // The cancelled JOURNAL line is no term; the two INDIV_MBR cycles are.
    assert.deepEqual(record.securityGroups, [
      {
        groupKey: "Membership:INDIV_MBR",
        name: "INDIV_MBR",
        type: "Membership",
        role: "REGULAR",
        beginDate: "2025-01-01",
        endDate: "2025-12-31",
      },
      {
        groupKey: "Membership:INDIV_MBR",
        name: "INDIV_MBR",
        type: "Membership",
        role: "REGULAR",
        beginDate: "2026-01-01",
        endDate: "2026-12-31",
      },
    ]);
    // The same order lines are the member's purchases, with their status and cycle as the term.
    assert.deepEqual(
      record.purchases?.map((p) => [p.productCode, p.quantity, p.termBegin, p.termEnd]),
      [
        ["INDIV_MBR", 1, "2025-01-01", "2025-12-31"],
        ["INDIV_MBR", 1, "2026-01-01", "2026-12-31"],
      ],
    );
    assert.ok(record.purchases?.every((p) => p.status !== null && p.orderDate === null));
    assert.deepEqual([record.memberType, record.memberSince, record.membershipExpiresOn], ["REGULAR", "2025-01-01", "2026-12-31"]);
    assert.equal(record.sourceUpdatedAt?.toISOString(), "2026-03-15T08:30:00.000Z", "the newest change among all its rows");
  });

  it("a member whose last order ended is expiring on that day; one with none has no member type", () => {
    const lapsed = mapper().toMemberRecord("000000101", adaBundle({ orders: rows("membership-orders.verbose.json").slice(0, 1) }));
    assert.deepEqual([lapsed.memberType, lapsed.membershipExpiresOn], ["REGULAR", "2025-12-31"]);
    const none = mapper().toMemberRecord("000000101", adaBundle({ orders: [] }));
    assert.deepEqual([none.memberType, none.membershipExpiresOn, none.memberSince, none.securityGroups], [null, null, null, []]);
  });

  it("a staff member type or customer class becomes the Staff member type", () => {
    const staffOrder = { ...(rows("membership-orders.verbose.json")[1] as object), MemberType: "staff" };
    assert.equal(mapper().toMemberRecord("000000101", adaBundle({ orders: [staffOrder] })).memberType, STAFF_MEMBER_TYPE);
    const employee = { ...(rows("customers.verbose.json")[0] as object), CustomerClassCode: "EMPLOYEE" };
    const record = mapper(["EMPLOYEE"]).toMemberRecord("000000101", adaBundle({ customer: employee, orders: [] }));
    assert.deepEqual([record.memberType, record.membershipExpiresOn], [STAFF_MEMBER_TYPE, null]);
  });

  it("a company is an organization named by its label; an inactive status is not active", () => {
    const company = mapper().toMemberRecord("000000102", {
      ...adaBundle(),
      customer: rows("customers.verbose.json")[1],
      orders: [],
      committees: [],
    });
    assert.deepEqual(
      [company.isOrganization, company.companyName, company.firstName, company.lastName],
      [true, "Analytical Engines Ltd", null, null],
    );
    const gone = { ...(rows("customers.verbose.json")[0] as object), CustomerStatusCode: "DECEASED" };
    assert.equal(mapper().toMemberRecord("000000101", adaBundle({ customer: gone })).isActive, false);
  });

  it("a malformed row fails its member with the entity set and property named", () => {
    const badDate = { ...(rows("customers.verbose.json")[0] as object), ModDate: "/Date(yesterday)/" };
    const error = violation(() => mapper().toMemberRecord("000000101", adaBundle({ customer: badDate })));
    assert.equal(error.memberKey, "000000101");
    assert.match(
      error.message,
      /^Customers row for member "000000101" does not match the contract: ModDate: expected a date \(\/Date\(ms\)\/ or yyyy-MM-ddTHH:mm:ss\), got text "\/Date\(yesterday\)\/"/,
    );
    const badOrder = { ...(rows("membership-orders.verbose.json")[0] as object), MemberType: null };
    assert.match(
      violation(() => mapper().toMemberRecord("000000101", adaBundle({ orders: [badOrder] }))).message,
      /^MembershipOrders row for member "000000101" .*MemberType: expected non-blank text, got null/,
    );
    assert.match(
      violation(() => mapper().toMemberRecord("000000101", adaBundle({ phones: ["+1 555"] }))).message,
      /CustomerPhones row .*expected an entity object, got text/,
    );
  });

  it("maps meeting products to events: an inactive product is deleted, a broken one fails alone", () => {
    const [annual, webinar, broken] = rows("meeting-products.verbose.json");
    const event = mapper().toEventRecord(annual, "50001");
    assert.deepEqual(
      [event.eventKey, event.title, event.productCode, event.category, event.timeZone, event.isDeleted, event.isMembersOnly],
      ["50001", "Annual Meeting 2026", "AM2026", "CONFERENCE", "CST", false, false],
    );
    assert.equal(event.startsAt.toISOString(), "2026-06-10T13:00:00.000Z");
    assert.equal(event.endsAt?.toISOString(), "2026-06-12T21:00:00.000Z");
    assert.equal(mapper().toEventRecord(webinar, "50002").isDeleted, true);
    const error = violation(() => mapper().toEventRecord(broken, "50003"));
    assert.match(
      error.message,
      /^MeetingProducts row for event "50003" does not match the contract: LongName: expected non-blank text, got text ""; MeetingStartDate: expected a date/,
    );
  });
});
