import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PurchaseRecord } from "../sources/member-record";
import { purchaseGrants } from "./purchase-grants";

const order = (overrides: Partial<PurchaseRecord>): PurchaseRecord => ({
  productCode: "JOURNAL-SUB",
  productName: null,
  orderDate: "2026-01-10",
  status: "Paid",
  quantity: 1,
  termBegin: null,
  termEnd: null,
  ...overrides,
});

const book = {
  statuses: ["Active", "Paid"],
  rules: [
    { productCode: "journal-sub", statuses: [], grant: { kind: "SECURITY_GROUP" as const, key: "READERS", name: "Readers" } },
    { productCode: "WEBINAR", statuses: ["A"], grant: { kind: "COMMUNITY" as const, key: "WEB", name: "Webinars", type: null } },
  ],
};

describe("purchaseGrants", () => {
  it("grants per counting order, for the term, from the order date when there is no term", () => {
    const grants = purchaseGrants(
      [
        order({ termBegin: "2026-02-01", termEnd: "2027-01-31" }),
        order({ status: "PAID" }),
        order({ productCode: "WEBINAR", status: "a" }),
      ],
      book,
    );
    assert.deepEqual(
      grants.map((grant) => [grant.grant.key, grant.beginDate, grant.endDate]),
      [
        ["READERS", "2026-02-01", "2027-01-31"],
        ["READERS", "2026-01-10", null],
        ["WEB", "2026-01-10", null],
      ],
    );
  });

  it("ignores statuses that do not count (a rule's own list replaces the default), zero quantities and unknown products", () => {
    const grants = purchaseGrants(
      [
        order({ status: "Cancelled" }),
        order({ status: null }),
        order({ quantity: 0 }),
        order({ productCode: "WEBINAR", status: "Paid" }),
        order({ productCode: "OTHER" }),
      ],
      book,
    );
    assert.deepEqual(grants, []);
  });
});
