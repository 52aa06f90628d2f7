import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureJson, readFixtureText } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { describeODataError, odataDateTime, odataString, parseODataDate, readCollection, readODataError } from "./personify-odata.wire";

const fixture = (name: string) => readFixtureJson(`personify/__fixtures__/${name}`);

describe("OData wire format", () => {
  it("reads verbose JSON with __next, JSON light with odata.nextLink, and the v1 array form", () => {
    const verbose = readCollection(fixture("customers.verbose.json"), "GET Customers");
    assert.equal(verbose.rows.length, 2);
    assert.match(verbose.next!, /\$skiptoken='000000102',0$/);
    const light = readCollection(fixture("customers.light.json"), "GET Customers");
    assert.deepEqual(
      light.rows.map((row) => (row as { MasterCustomerId: string }).MasterCustomerId),
      ["000000103", "000000104"],
    );
    assert.equal(light.next, "Customers?$select=MasterCustomerId,ModDate&$skiptoken='000000104',0");
    const v1 = readCollection(fixture("customers.v1.json"), "GET Customers");
    assert.deepEqual([v1.rows.length, v1.next], [1, null]);
  });

  it("refuses a body that is no collection, saying what came instead", () => {
    assert.throws(
      () => readCollection({ d: { MasterCustomerId: "1" } }, "GET Customers"),
      (error: unknown) =>
        error instanceof SourceError &&
        error.code === SourceErrorCode.CONTRACT_VIOLATION &&
        /GET Customers: expected an OData collection .* got an object with d/.test(error.message),
    );
    assert.throws(() => readCollection([1, 2], "GET Customers"), /got a list of 2/);
  });

  it("reads /Date(ms)/ with and without an offset, ISO text, and .NET's minimum as no date", () => {
    assert.deepEqual(parseODataDate("/Date(1773563400000)/"), {
      ok: true,
      value: { day: "2026-03-15", instant: new Date("2026-03-15T08:30:00Z") },
    });
    // 23:00 UTC plus 120 minutes east is the next calendar day where it was written.
    const shifted = parseODataDate("/Date(1773615600000+0120)/");
    assert.ok(shifted.ok && shifted.value);
    assert.equal(shifted.value.day, "2026-03-16");
    assert.equal(shifted.value.instant.toISOString(), "2026-03-15T23:00:00.000Z");
    assert.deepEqual(parseODataDate("/Date(-62135596800000)/"), { ok: true, value: null });
    const light = parseODataDate("2026-03-15T08:30:00.123");
    assert.ok(light.ok && light.value);
    assert.equal(light.value.instant.toISOString(), "2026-03-15T08:30:00.123Z");
    assert.equal(parseODataDate("/Date(soon)/").ok, false);
    assert.equal(parseODataDate("yesterday").ok, false);
  });

  it("writes literals: quotes doubled, datetime to the second and rounded down", () => {
    assert.equal(odataString("O'Brien"), "'O''Brien'");
    assert.equal(odataDateTime(new Date("2026-01-01T00:00:00.999Z")), "datetime'2026-01-01T00:00:00'");
  });

  it("reads OData error bodies in verbose JSON, JSON light and XML, and nothing from HTML", () => {
    const verbose = readODataError(readFixtureText("personify/__fixtures__/error-verbose.json"));
    assert.deepEqual(verbose, { code: "", message: "No property 'ModDatee' exists in type 'Personify.Customer' at position 0." });
    assert.equal(
      readODataError(readFixtureText("personify/__fixtures__/error-light.json"))?.message,
      "Resource not found for the segment 'Customerz'.",
    );
    const xml = readODataError(readFixtureText("personify/__fixtures__/error.xml"));
    assert.equal(xml?.message, "An error occurred while processing this request.");
    assert.equal(readODataError(readFixtureText("personify/__fixtures__/error-401.html")), undefined);
    assert.equal(readODataError("{ not json"), undefined);
    assert.equal(describeODataError({ code: "E1", message: "x".repeat(300) }, 10), `OData error "E1": ${"x".repeat(10)}…`);
  });
});
