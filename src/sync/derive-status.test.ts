import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveStatus, type GroupTerm, nextDay } from "./derive-status";

const term = (overrides: Partial<GroupTerm>): GroupTerm => ({
  beginDate: null,
  endDate: null,
  grantsMemberStatus: true,
  isStaff: false,
  isAdmin: false,
  ...overrides,
});
const base = { isActive: true, gone: false, allowed: true, today: "2026-11-23" };

describe("deriveStatus", () => {
  it("a running member-status term makes a member, and its end is the next transition", () => {
    const derived = deriveStatus({ ...base, terms: [term({ beginDate: "2025-01-01", endDate: "2026-12-31" })] });
    assert.deepEqual(derived, {
      isMember: true,
      status: "ACTIVE",
      systemGroups: ["Authenticated", "IsMember"],
      nextTransitionOn: "2027-01-01",
    });
  });

  it("an ended term with nothing running is EXPIRED; the last day still counts", () => {
    assert.equal(deriveStatus({ ...base, terms: [term({ endDate: "2026-11-22" })] }).status, "EXPIRED");
    assert.equal(deriveStatus({ ...base, terms: [term({ endDate: "2026-11-23" })] }).isMember, true);
  });

  it("a non-member who never had a member-status term is ACTIVE but not a member", () => {
    const derived = deriveStatus({ ...base, terms: [term({ grantsMemberStatus: false })] });
    assert.deepEqual([derived.isMember, derived.status, derived.nextTransitionOn], [false, "ACTIVE", null]);
  });

  it("inactive, gone and filtered-out members are DISABLED with no system groups", () => {
    for (const flags of [{ isActive: false }, { gone: true }, { allowed: false }]) {
      const derived = deriveStatus({ ...base, ...flags, terms: [term({})] });
      assert.deepEqual([derived.status, derived.isMember, derived.systemGroups], ["DISABLED", false, []]);
    }
  });

  it("a term that starts later is the next transition, and staff and admin follow running terms", () => {
    const derived = deriveStatus({
      ...base,
      terms: [
        term({ beginDate: "2027-02-01", grantsMemberStatus: true }),
        term({ grantsMemberStatus: false, isStaff: true, endDate: "2026-12-15" }),
        term({ grantsMemberStatus: false, isAdmin: true, endDate: "2026-01-01" }),
      ],
    });
    assert.deepEqual(derived.systemGroups, ["Authenticated", "Staff"]);
    assert.equal(derived.nextTransitionOn, "2026-12-16");
    assert.equal(derived.isMember, false);
  });

  it("nextDay crosses months and leap days", () => {
    assert.equal(nextDay("2028-02-28"), "2028-02-29");
    assert.equal(nextDay("2026-12-31"), "2027-01-01");
  });
});
