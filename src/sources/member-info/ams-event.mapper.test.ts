import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFixtureJson } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { fromAmsEvent, peekEventKey, toAmsEvent } from "./ams-event.mapper";

const events = readFixtureJson("member-info/__fixtures__/events.json") as unknown[];
const malformed = readFixtureJson("member-info/__fixtures__/events-malformed.json") as unknown[];

describe("fromAmsEvent", () => {
  it("reads recorded events: full, minimal with a plain date, deleted", () => {
    const [annual, board, webinar] = events.map(fromAmsEvent);
    assert.equal(annual!.eventKey, "EV-2026-ANNUAL");
    assert.equal(annual!.startsAt.toISOString(), "2026-09-14T13:30:00.000Z");
    assert.equal(annual!.endsAt?.toISOString(), "2026-09-16T22:00:00.000Z");
    assert.equal(annual!.isMembersOnly, false);
    assert.equal(board!.eventKey, "90817", "numeric key read as text");
    assert.equal(board!.startsAt.toISOString(), "2026-11-05T00:00:00.000Z");
    assert.equal(board!.endsAt, null);
    assert.equal(board!.isMembersOnly, true);
    assert.equal(board!.sourceUpdatedAt?.toISOString(), "2026-10-01T09:15:00.000Z", "no offset → UTC");
    assert.equal(webinar!.isDeleted, true);
    assert.equal(webinar!.sourceUpdatedAt?.toISOString(), "2025-02-28T23:00:00.000Z");
  });

  it("names the event and the field of each violation", () => {
    const messages = malformed.map((raw) => {
      try {
        fromAmsEvent(raw);
        return "accepted";
      } catch (error) {
        assert.ok(error instanceof SourceError);
        assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
        return error.message;
      }
    });
    assert.match(messages[0]!, /Event "EV-NO-TITLE".*Title: expected non-blank text, got nothing/);
    assert.match(messages[1]!, /Event "EV-BAD-START".*StartsAt: .*"2026-04-31T19:00:00": no such day/);
    assert.match(messages[2]!, /^Event does not match.*EventKey: expected non-blank text/);
    assert.equal(peekEventKey(malformed[2]), null);
  });

  it("bounds title and description by their columns", () => {
    const base = { EventKey: "E", StartsAt: "2026-01-01" };
    assert.throws(() => fromAmsEvent({ ...base, Title: "t".repeat(301) }), /Title: expected at most 300 characters/);
    assert.throws(() => fromAmsEvent({ ...base, Title: "T", Description: "d".repeat(60_001) }), /Description: expected at most 60000/);
    assert.throws(() => fromAmsEvent({ ...base, Title: "T", TimeZone: "z".repeat(65) }), /TimeZone: expected at most 64/);
  });

  it("round-trips through the wire shape", () => {
    for (const raw of events) {
      const record = fromAmsEvent(raw);
      assert.deepEqual(fromAmsEvent(JSON.parse(JSON.stringify(toAmsEvent(record)))), record);
    }
  });
});
