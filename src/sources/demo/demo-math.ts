/**
 * Small deterministic helpers for the demo association: a seedable hash (so a member's initial
 * LastUpdated is computed without generating the member) and calendar-day arithmetic.
 */

const DAY_MS = 86_400_000;

/** murmur3's finalizer: spreads every input bit over the 32-bit result. */
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed unsigned 32-bit hash of a few integers; the same inputs give the same value in every process. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9 ^ parts.length;
  for (const part of parts) h = fmix32(Math.imul(h ^ (part | 0), 0x01000193) ^ Math.floor(part / 2 ** 32));
  return h;
}

/** `YYYY-MM-DD` plus `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`) + days * DAY_MS;
  return new Date(ms).toISOString().slice(0, 10);
}

/** ASCII-only lower-case letters and digits, joined by `separator`: for handles, e-mail and domains. */
export function slugify(text: string, separator = ""): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .join(separator);
}
