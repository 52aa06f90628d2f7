import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureJson, readFixtureText } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { collectionValues, propertyBag, readPagedResult, toPagedResult, toPropertyBag, typedValue } from "./imis-envelope";
import { describeErrorBody } from "./imis-error-body";

describe("the iMIS envelope", () => {
  it("reads $values collections, bare arrays and absent collections", () => {
    assert.deepEqual(collectionValues({ $type: "X", $values: [1, 2] }), [1, 2]);
    assert.deepEqual(collectionValues([3]), [3]);
    assert.deepEqual(collectionValues(null), []);
    assert.equal(collectionValues({ $type: "X" }), undefined, "an envelope without $values is no collection");
    assert.equal(collectionValues("text"), undefined);
  });

  it("unwraps typed primitives and property bags", () => {
    assert.equal(typedValue({ $type: "System.Int32", $value: 5 }), 5);
    assert.equal(typedValue("plain"), "plain");
    const bag = propertyBag({
      $type: "Asi.Soa.Core.DataContracts.GenericPropertyDataCollection, Asi.Contracts",
      $values: [
        { Name: "PaidThruDate", Value: { $type: "System.DateTime", $value: "2027-03-31T00:00:00" } },
        { Name: "CustomerTypeCode", Value: "M" },
        { Name: "CustomerTypeCode", Value: "ignored: the first wins" },
        { Value: "no name" },
      ],
    });
    assert.deepEqual(bag, { PaidThruDate: "2027-03-31T00:00:00", CustomerTypeCode: "M" });
  });

  it("reads a recorded paged result and writes one that reads back the same", () => {
    const page = readPagedResult(readFixtureJson("imis/__fixtures__/party-page.json"), "GET /api/Party answer");
    assert.equal(page.items.length, 2);
    assert.deepEqual([page.offset, page.limit, page.totalCount, page.hasNext, page.nextOffset], [0, 2, 3, true, 2]);
    const last = readPagedResult(readFixtureJson("imis/__fixtures__/party-page-last.json"), "GET /api/Party answer");
    assert.deepEqual([last.hasNext, last.nextOffset], [false, 0]);

    const written = readPagedResult(toPagedResult(["a", "b"], { offset: 4, limit: 2, totalCount: 7 }), "written");
    assert.deepEqual(written, { items: ["a", "b"], offset: 4, limit: 2, totalCount: 7, hasNext: true, nextOffset: 6 });
    const bag = propertyBag(toPropertyBag({ JoinDate: new Date("2020-01-02T00:00:00Z"), Count: 3, Code: "M" }));
    assert.deepEqual(bag, { JoinDate: "2020-01-02T00:00:00", Count: 3, Code: "M" });
  });

  it("refuses an envelope without $values or HasNext, naming what is wrong", () => {
    assert.throws(
      () => readPagedResult(readFixtureJson("imis/__fixtures__/paged-bad-envelope.json"), "GET /api/Party answer"),
      (error: unknown) => {
        assert.ok(error instanceof SourceError && error.code === SourceErrorCode.CONTRACT_VIOLATION);
        assert.match(error.message, /GET \/api\/Party answer does not match the contract: Items: expected array, got an object; HasNext: /);
        return true;
      },
    );
  });
});

describe("iMIS error bodies", () => {
  it("say what iMIS said: OAuth errors, API messages, HTML pages", () => {
    assert.equal(
      describeErrorBody(readFixtureText("imis/__fixtures__/token-invalid-grant.json")),
      "invalid_grant: The user name or password is incorrect.",
    );
    assert.equal(describeErrorBody(readFixtureText("imis/__fixtures__/error-401.json")), "Authorization has been denied for this request.");
    assert.match(
      describeErrorBody(readFixtureText("imis/__fixtures__/error-500.json")),
      /^An error has occurred\.: Execution Timeout Expired\./,
    );
    assert.match(describeErrorBody(readFixtureText("imis/__fixtures__/error-503.html")), /^<!DOCTYPE HTML .*Service Unavailable/);
    assert.equal(
      describeErrorBody(JSON.stringify({ ValidationResults: { Errors: { $values: [{ Message: "PartyId is required" }] } } })),
      "PartyId is required",
    );
    assert.equal(describeErrorBody("  "), "");
  });
});
