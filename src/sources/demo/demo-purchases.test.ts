import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PRODUCTS } from "./demo-catalog";
import { demoPurchases } from "./demo-purchases";

describe("demoPurchases", () => {
  const today = "2026-12-01";
  const all = Array.from({ length: 300 }, (_, index) => demoPurchases(7, index, today));

  it("some members buy one or more catalog products, the same ones on every call", () => {
    const buyers = all.filter((purchases) => purchases.length > 0).length;
    assert.ok(buyers > 60 && buyers < 140, `about a third buy something (saw ${buyers} of 300)`);
    assert.ok(
      all.some((purchases) => purchases.length > 1),
      "some buy several products",
    );
    const codes = new Set(PRODUCTS.map((product) => product.code));
    assert.ok(all.flat().every((purchase) => codes.has(purchase.productCode) && purchase.quantity >= 1));
    assert.deepEqual(demoPurchases(7, 42, today), all[42]);
  });

  it("orders carry statuses including cancelled ones, and terms only for products that have one", () => {
    const flat = all.flat();
    assert.ok(flat.some((purchase) => purchase.status === "Cancelled"));
    assert.ok(
      flat.some((purchase) => purchase.termEnd !== null && purchase.termEnd < today),
      "some terms have ended",
    );
    for (const purchase of flat) {
      const product = PRODUCTS.find((candidate) => candidate.code === purchase.productCode)!;
      assert.equal(purchase.termBegin === null, product.termDays === null);
    }
  });
});
