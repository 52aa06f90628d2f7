/**
 * Dates as AMSs send them: `yyyy-MM-ddTHH:mm:ss`, with or without a fraction and an offset, or a
 * plain `yyyy-MM-dd`. Parsed by hand rather than with `new Date(text)`, which reads a time without
 * offset in the host's zone and silently rolls impossible days (2026-02-30) into the next month.
 */

const WIRE_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** .NET serializes an unset `DateTime` as its minimum value; AMSs built on it send this for "no date". */
const DOTNET_MIN_YEAR = 1;
/** The cache's DATE/DATETIME columns hold years 1000–9999. */
const MIN_YEAR = 1000;

export interface WireDate {
  /** The calendar day as written, `YYYY-MM-DD`, never shifted by the offset. */
  day: string;
  /** The instant; a time without offset is read as UTC, a plain date as midnight UTC. */
  instant: Date;
}

/** Why a date string was refused, worded to follow "expected …, got …". */
export type WireDateResult = { ok: true; value: WireDate | null } | { ok: false; reason: string };

export const WIRE_DATE_FORMAT = "yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss[.fff][Z|±hh:mm]";

/**
 * Reads one wire date. `null` value means the AMS's "no date" sentinel (0001-01-01).
 */
export function parseWireDate(text: string): WireDateResult {
  const match = WIRE_DATE.exec(text.trim());
  if (!match) return { ok: false, reason: "not in a date format" };
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const dayOfMonth = Number(d);
  if (year === DOTNET_MIN_YEAR && month === 1 && dayOfMonth === 1) return { ok: true, value: null };
  if (year < MIN_YEAR) return { ok: false, reason: `year ${year} is before ${MIN_YEAR}` };
  if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysInMonth(year, month)) {
    return { ok: false, reason: "no such day" };
  }
  const hours = Number(h);
  const minutes = Number(mi);
  const seconds = Number(s);
  if (hours > 23 || minutes > 59 || seconds > 59) return { ok: false, reason: "no such time of day" };
  const offsetMinutes = parseOffsetMinutes(offset);
  if (offsetMinutes === undefined) return { ok: false, reason: "no such offset" };
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const utcMs = Date.UTC(year, month - 1, dayOfMonth, hours, minutes, seconds, millis) - offsetMinutes * 60_000;
  return { ok: true, value: { day: `${y}-${mo}-${d}`, instant: new Date(utcMs) } };
}

/**
 * An instant as sent in `LastUpdated`/`StartsAt`; a time without offset is taken as UTC. For
 * callers (sync cursors) that need to read a `MemberChange.lastUpdated` by the same rule.
 */
export function parseAmsInstant(text: string): Date | null {
  const result = parseWireDate(text);
  return result.ok ? (result.value?.instant ?? null) : null;
}

/** A calendar day as a `MemberInfo` sends it: midnight, no offset. */
export function formatWireDay(day: string): string {
  return `${day}T00:00:00`;
}

function parseOffsetMinutes(offset: string | undefined): number | undefined {
  if (offset === undefined || offset.toUpperCase() === "Z") return 0;
  const digits = offset.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return undefined;
  return (offset.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
