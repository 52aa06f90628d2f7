import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SourceError } from "../source.error";
import { fromMemberInfo } from "./member-info.mapper";
import { fromPushedMemberInfo } from "./loose-member-info";

describe("fromPushedMemberInfo", () => {
  it("reads flags written as text or numbers, and numbers where text is expected", () => {
    const raw = {
      MemberDetails: {
        LegacyContactKey: 1234,
        IsActive: "0",
        ExcludeFromDirectory: 1,
        IsOrganization: "yes",
        PostalCode: 60601,
        FirstName: 42,
      },
      Demographics: [{ DemographicTypeValue: "Region", DemographicValue: "North", IsFreeForm: "1" }],
    };
    assert.throws(() => fromMemberInfo(raw), SourceError, "the contract parser stays strict");
    const record = fromPushedMemberInfo(raw);
    assert.equal(record.memberKey, "1234");
    assert.equal(record.isActive, false);
    assert.equal(record.excludeFromDirectory, true);
    assert.equal(record.isOrganization, true);
    assert.equal(record.address.postalCode, "60601");
    assert.equal(record.firstName, "42");
    assert.equal(record.demographics[0]!.isFreeForm, true);
  });

  it("reads dates with or without time and offset", () => {
    const record = fromPushedMemberInfo({
      MemberDetails: {
        LegacyContactKey: "M",
        MemberSince: "2020-02-03T10:00:00",
        MemberExpiresOn: "2027-01-31",
        LastUpdated: "2026-10-01T08:00:00+02:00",
      },
    });
    assert.equal(record.memberSince, "2020-02-03");
    assert.equal(record.membershipExpiresOn, "2027-01-31");
    assert.equal(record.sourceUpdatedAt?.toISOString(), "2026-10-01T06:00:00.000Z");
  });

  it("still refuses what no reading makes sense of, naming the field", () => {
    assert.throws(
      () => fromPushedMemberInfo({ MemberDetails: { LegacyContactKey: "M", IsActive: "maybe" } }),
      /IsActive: expected true or false/,
    );
    assert.throws(() => fromPushedMemberInfo({ MemberDetails: { LegacyContactKey: "M", MemberSince: "2026-02-30" } }), /no such day/);
  });
});
