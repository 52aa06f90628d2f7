import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureText } from "../../../test/support/fixture-files";
import { SourceErrorCode } from "../source.error";
import { classifySalesforceError, salesforceErrorCode } from "./salesforce-errors";
import { FONTEVA_MAPPING, parseSalesforceMapping } from "./salesforce-mapping";
import { buildSoql, idBatches, inList, isRecordId, soqlDateTime, soqlString } from "./soql";

const fixture = (name: string) => readFixtureText(`salesforce/__fixtures__/${name}`);
const options = { retryAfter: null, nowMs: Date.parse("2026-11-23T12:00:00Z"), limitBackoffMs: 900_000 };

describe("Salesforce error answers", () => {
  it("a limit refusal is TEMPORARY with the configured back-off, or the Retry-After it names", () => {
    const limit = classifySalesforceError("GET /query", 403, fixture("error-request-limit.json"), options);
    assert.equal(limit.code, SourceErrorCode.TEMPORARY);
    assert.equal(limit.retryAfterMs, 900_000);
    assert.equal(limit.message, "GET /query answered 403: REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded. (API limit; backing off)");
    assert.equal(salesforceErrorCode(limit), "REQUEST_LIMIT_EXCEEDED");
    const tooMany = classifySalesforceError("GET /query", 429, "", { ...options, retryAfter: "7" });
    assert.deepEqual([tooMany.code, tooMany.retryAfterMs], [SourceErrorCode.TEMPORARY, 7_000]);
  });

  it("401 is AUTH_REJECTED, a 403 without the limit code too; 5xx is TEMPORARY; 400 names the field", () => {
    assert.equal(
      classifySalesforceError("GET /query", 401, fixture("error-invalid-session.json"), options).code,
      SourceErrorCode.AUTH_REJECTED,
    );
    const denied = classifySalesforceError("GET /query", 403, fixture("error-insufficient-access.json"), options);
    assert.equal(denied.code, SourceErrorCode.AUTH_REJECTED);
    assert.match(denied.message, /INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights/);
    const down = classifySalesforceError("GET /query", 503, fixture("error-maintenance.html"), options);
    assert.equal(down.code, SourceErrorCode.TEMPORARY);
    assert.match(down.message, /answered 503: "<html>.*down for maintenance/);
    const field = classifySalesforceError("GET /query", 400, fixture("error-invalid-field.json"), options);
    assert.equal(field.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(field.message, /INVALID_FIELD: .*No such column 'Membership_Type__c' on entity 'Contact'/);
    assert.equal(
      salesforceErrorCode(classifySalesforceError("GET /sobjects/Contact/updated/", 400, fixture("error-exceeded-id-limit.json"), options)),
      "EXCEEDED_ID_LIMIT",
    );
  });
});

describe("SOQL pieces", () => {
  it("quotes strings, formats datetimes, and only takes 18-character ids", () => {
    assert.equal(soqlString("O'Brien \\ x"), "'O\\'Brien \\\\ x'");
    assert.equal(soqlDateTime(new Date("2026-11-23T12:34:56.789Z")), "2026-11-23T12:34:56Z");
    assert.equal(isRecordId("0035e00000AbCdEAAA"), true);
    assert.equal(isRecordId("0035e00000AbCdE"), false);
    assert.equal(isRecordId("0035e00000AbCdEAA'"), false);
    assert.equal(inList("Id", ["a", "b"]), "Id IN ('a','b')");
    assert.equal(
      buildSoql({ fields: ["Id", "Id", "Name"], from: "Contact", where: [null, "A = 1", "B = 2"], orderBy: "Id" }),
      "SELECT Id, Name FROM Contact WHERE (A = 1) AND (B = 2) ORDER BY Id",
    );
  });

  it("batches ids by count and by the length of the IN list", () => {
    const ids = Array.from({ length: 10 }, (_, n) => `0035e00000AbCd${String(n).padStart(3, "0")}A`);
    assert.deepEqual(
      idBatches(ids, 4, 10_000).map((batch) => batch.length),
      [4, 4, 2],
    );
    assert.deepEqual(
      idBatches(ids, 100, 3 * 21).map((batch) => batch.length),
      [3, 3, 3, 1],
    );
  });
});

describe("the mapping file", () => {
  it("merges objects onto the Fonteva defaults field by field and replaces lists", () => {
    const parsed = parseSalesforceMapping({ contact: { fields: { memberId: "FON_Membership_Number__c" } }, communities: [], events: null });
    assert.ok(parsed.ok);
    assert.equal(parsed.mapping.contact.fields.memberId, "FON_Membership_Number__c");
    assert.equal(parsed.mapping.contact.fields.firstName, "FirstName");
    assert.deepEqual(parsed.mapping.communities, []);
    assert.equal(parsed.mapping.events, null);
    assert.deepEqual(parsed.mapping.membership, FONTEVA_MAPPING.membership);
  });

  it("names each bad entry: unknown keys, field paths that are not SOQL names", () => {
    const parsed = parseSalesforceMapping({ contact: { fields: { emial: "Email", firstName: "First Name; DELETE" } }, membrship: {} });
    assert.equal(parsed.ok, false);
    const problems = parsed.ok ? [] : parsed.problems.join("\n");
    assert.match(String(problems), /contact\.fields\.firstName: expected a SOQL field path/);
    assert.match(String(problems), /emial/);
    assert.match(String(problems), /membrship/);
  });
});
