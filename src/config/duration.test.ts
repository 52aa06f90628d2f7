import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBareNumber, parseDurationMs } from "./duration";

describe("parseDurationMs", () => {
  it("reads a number with a unit: ms, s, m, h or d", () => {
    assert.equal(parseDurationMs("500ms"), 500);
    assert.equal(parseDurationMs("1800s"), 1_800_000);
    assert.equal(parseDurationMs("30m"), 30 * 60_000);
    assert.equal(parseDurationMs("1.5h"), 90 * 60_000);
    assert.equal(parseDurationMs("7d"), 7 * 24 * 60 * 60_000);
    assert.equal(parseDurationMs(" 15s "), 15_000);
  });

  it("refuses a bare number: 1800 is not 1.8 seconds", () => {
    assert.equal(parseDurationMs("1800"), undefined);
    assert.equal(parseDurationMs("1.5"), undefined);
    assert.equal(isBareNumber("1800"), true);
  });

  it("takes 0 alone without a unit, as it is zero in every unit", () => {
    assert.equal(parseDurationMs("0"), 0);
    assert.equal(isBareNumber("0"), false);
  });

  it("refuses units it does not list, negative values and words", () => {
    for (const text of ["1y", "2w", "1M", "10 minutes", "-5s", "soon", "", "s"]) {
      assert.equal(parseDurationMs(text), undefined, text);
    }
  });
});
