import type { WritebackSchedule } from "../config/writeback.config";

const HOUR_MS = 60 * 60_000;
const QUARTER_HOUR_MS = 15 * 60_000;

/** The next instant after `now` a batch-mode dispatcher sends at. */
export function nextScheduledRun(schedule: WritebackSchedule, now: Date, timeZone: string): Date {
  const nowMs = now.getTime();
  switch (schedule.kind) {
    case "interval":
      return new Date(nowMs + schedule.everyMs);
    case "hourly":
      return new Date(Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS);
    case "nightly":
      return nextLocalHour(schedule.hour, nowMs, timeZone);
  }
}

/**
 * The first quarter-hour boundary after `nowMs` that reads `hour`:00 on the association's
 * clock. Every zone's offset is a multiple of 15 minutes, so the walk finds it within a day (or
 * two, on the day a daylight-saving jump skips that hour).
 */
function nextLocalHour(hour: number, nowMs: number, timeZone: string): Date {
  const format = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  let at = Math.floor(nowMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS + QUARTER_HOUR_MS;
  for (let step = 0; step < 2 * 24 * 4 + 8; step += 1, at += QUARTER_HOUR_MS) {
    const parts = format.formatToParts(new Date(at));
    const localHour = Number(parts.find((part) => part.type === "hour")?.value);
    const localMinute = Number(parts.find((part) => part.type === "minute")?.value);
    if (localHour === hour && localMinute === 0) return new Date(at);
  }
  return new Date(nowMs + 24 * HOUR_MS);
}
