import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWritebackSchedule } from "../config/writeback.config";
import { nextScheduledRun } from "./writeback-schedule";

const next = (text: string, now: string, zone = "UTC") =>
  nextScheduledRun(parseWritebackSchedule(text)!, new Date(now), zone).toISOString();

describe("the batch-mode schedule", () => {
  it("reads hourly, nightly, nightly@hour and intervals with units, and refuses the rest", () => {
    assert.deepEqual(parseWritebackSchedule("hourly"), { kind: "hourly" });
    assert.deepEqual(parseWritebackSchedule("Nightly"), { kind: "nightly", hour: 2 });
    assert.deepEqual(parseWritebackSchedule("nightly@23"), { kind: "nightly", hour: 23 });
    assert.deepEqual(parseWritebackSchedule("15m"), { kind: "interval", everyMs: 15 * 60_000 });
    for (const bad of ["nightly@24", "900", "500ms", "weekly", ""]) assert.equal(parseWritebackSchedule(bad), undefined, bad);
  });

  it("runs hourly at the top of the next hour, intervals from now", () => {
    assert.equal(next("hourly", "2026-12-01T10:59:59.000Z"), "2026-12-01T11:00:00.000Z");
    assert.equal(next("hourly", "2026-12-01T11:00:00.000Z"), "2026-12-01T12:00:00.000Z");
    assert.equal(next("15m", "2026-12-01T11:07:00.000Z"), "2026-12-01T11:22:00.000Z");
  });

  it("runs nightly at the hour on the association's clock, across a daylight-saving change", () => {
    assert.equal(next("nightly", "2026-12-01T01:00:00.000Z"), "2026-12-01T02:00:00.000Z");
    assert.equal(next("nightly", "2026-12-01T02:00:00.000Z"), "2026-12-02T02:00:00.000Z");
    assert.equal(next("nightly@3", "2026-12-01T12:00:00.000Z", "America/Chicago"), "2026-12-02T09:00:00.000Z");
    // 2026-03-08: Chicago moves from UTC-6 to UTC-5; 03:00 local is 08:00 UTC.
    assert.equal(next("nightly@3", "2026-03-08T06:00:00.000Z", "America/Chicago"), "2026-03-08T08:00:00.000Z");
    assert.equal(next("nightly@1", "2026-12-01T12:00:00.000Z", "Asia/Kolkata"), "2026-12-01T19:30:00.000Z");
  });
});
