import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAmsInstant, parseWireDate } from "./wire-dates";

describe("parseWireDate", () => {
  it("reads every shape the contract allows", () => {
    const cases: Array<[string, string, string]> = [
      ["2026-03-01", "2026-03-01", "2026-03-01T00:00:00.000Z"],
      ["2026-03-01T10:20:30", "2026-03-01", "2026-03-01T10:20:30.000Z"],
      ["2026-03-01T10:20:30.5", "2026-03-01", "2026-03-01T10:20:30.500Z"],
      ["2026-03-01T10:20:30.1234567", "2026-03-01", "2026-03-01T10:20:30.123Z"],
      ["2026-03-01T10:20:30Z", "2026-03-01", "2026-03-01T10:20:30.000Z"],
      ["2026-03-01T23:30:00-05:00", "2026-03-01", "2026-03-02T04:30:00.000Z"],
      ["2026-03-01T01:00:00+0200", "2026-03-01", "2026-02-28T23:00:00.000Z"],
      ["2024-02-29T00:00", "2024-02-29", "2024-02-29T00:00:00.000Z"],
    ];
    for (const [text, day, instant] of cases) {
      const result = parseWireDate(text);
      assert.ok(result.ok && result.value, text);
      assert.equal(result.value.day, day, text);
      assert.equal(result.value.instant.toISOString(), instant, text);
    }
  });

  it("refuses impossible dates and times instead of rolling them over", () => {
    for (const text of [
      "2026-02-29",
      "2026-02-30",
      "2026-04-31",
      "2026-13-01",
      "2026-00-10",
      "2026-01-01T24:00:00",
      "2026-01-01T10:60:00",
    ]) {
      assert.equal(parseWireDate(text).ok, false, text);
    }
    for (const text of ["01/02/2026", "2026-1-2", "yesterday", "2026-01-01T10:00:00 EST", ""]) {
      assert.deepEqual(parseWireDate(text), { ok: false, reason: "not in a date format" }, text);
    }
  });

  it("reads the .NET minimum date as no date", () => {
    assert.deepEqual(parseWireDate("0001-01-01T00:00:00"), { ok: true, value: null });
  });

  it("parseAmsInstant reads a time without offset as UTC", () => {
    assert.equal(parseAmsInstant("2026-05-05T05:05:05")?.toISOString(), "2026-05-05T05:05:05.000Z");
    assert.equal(parseAmsInstant("garbage"), null);
  });
});
