import { z } from "zod";
import { parseWireDate, WIRE_DATE_FORMAT } from "./wire-dates";

/**
 * Leaf parsers for AMS payloads. Each one normalizes (trim, blank → null) and refuses what the
 * cache could not store, with a message of the form "expected …, got …" that the issue's path
 * turns into a field-by-field complaint.
 */

/** MySQL TEXT holds 65,535 bytes; 60,000 characters is the documented ceiling for long text. */
export const LONG_TEXT_MAX_CHARS = 60_000;
const LONG_TEXT_MAX_BYTES = 65_535;
/** Every key column is VARCHAR(100). */
export const KEY_MAX_CHARS = 100;

interface TextRules {
  /** Most characters (code points, as MySQL counts them in utf8mb4). */
  maxChars?: number;
  /** Identifiers and postal codes sometimes arrive as JSON numbers. */
  acceptNumber?: boolean;
  required?: boolean;
  /** Also bound the UTF-8 size (TEXT columns are limited in bytes). */
  maxBytes?: number;
}

type Ctx = z.core.$RefinementCtx;

/** Describes a received value briefly, without echoing long member text into logs. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `text ${JSON.stringify(shown)}`;
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function fail(ctx: Ctx, value: unknown, message: string): never {
  ctx.issues.push({ code: "custom", message, input: value });
  return z.NEVER as never;
}

function codePointLength(text: string, maxChars: number): number {
  // Code points never exceed UTF-16 units, so only long strings need counting.
  return text.length <= maxChars ? text.length : [...text].length;
}

function readText(value: unknown, ctx: Ctx, rules: TextRules): string | null {
  const what = rules.required ? "non-blank text" : "text or null";
  let text: string;
  if (typeof value === "string") text = value.trim();
  else if (rules.acceptNumber && typeof value === "number" && Number.isFinite(value)) text = String(value);
  else if (value === null || value === undefined) text = "";
  else return fail(ctx, value, `expected ${what}, got ${describeValue(value)}`);
  if (text === "") return rules.required ? fail(ctx, value, `expected ${what}, got ${describeValue(value)}`) : null;
  const max = rules.maxChars;
  if (max !== undefined && codePointLength(text, max) > max) {
    return fail(ctx, value, `expected at most ${max} characters, got ${codePointLength(text, max)}`);
  }
  if (rules.maxBytes !== undefined && Buffer.byteLength(text, "utf8") > rules.maxBytes) {
    return fail(ctx, value, `expected at most ${rules.maxBytes} bytes of UTF-8, got ${Buffer.byteLength(text, "utf8")}`);
  }
  return text;
}

/** Optional text: trimmed, blank → null, at most `maxChars`. */
export const optionalText = (maxChars?: number, acceptNumber = false) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readText(value, ctx, { maxChars, acceptNumber }));

/** Required text: trimmed, never blank, at most `maxChars`. */
export const requiredText = (maxChars: number) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readText(value, ctx, { maxChars, required: true }) as string);

/** A bio or description: long text bounded in characters and bytes. */
export const longText = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readText(value, ctx, { maxChars: LONG_TEXT_MAX_CHARS, maxBytes: LONG_TEXT_MAX_BYTES }));

/** An AMS key (text or number), at most the key column's 100 characters. */
export const requiredKey = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readText(value, ctx, { maxChars: KEY_MAX_CHARS, acceptNumber: true, required: true }) as string);

export const optionalKey = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readText(value, ctx, { maxChars: KEY_MAX_CHARS, acceptNumber: true }));

/** true/false; "true"/"false" text is tolerated; absent or null takes `fallback`. */
export const flag = (fallback: boolean) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): boolean => {
      if (value === undefined || value === null) return fallback;
      if (typeof value === "boolean") return value;
      if (typeof value === "string") {
        const word = value.trim().toLowerCase();
        if (word === "true") return true;
        if (word === "false") return false;
        if (word === "") return fallback;
      }
      return fail(ctx, value, `expected true or false, got ${describeValue(value)}`);
    });

function readDate(value: unknown, ctx: Ctx, required: boolean) {
  const blank = value === undefined || value === null || (typeof value === "string" && value.trim() === "");
  if (blank && !required) return null;
  if (typeof value !== "string" || blank) {
    return fail(ctx, value, `expected a date (${WIRE_DATE_FORMAT}), got ${describeValue(value)}`);
  }
  const result = parseWireDate(value);
  if (!result.ok) {
    return fail(ctx, value, `expected a date (${WIRE_DATE_FORMAT}), got ${describeValue(value)}: ${result.reason}`);
  }
  if (result.value === null && required) {
    return fail(ctx, value, `expected a date, got the "no date" value ${describeValue(value)}`);
  }
  return result.value;
}

/** A calendar day (membership and term dates), `YYYY-MM-DD` as written, whatever the offset. */
export const optionalDay = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readDate(value, ctx, false)?.day ?? null);

/** An instant; a time without offset is read as UTC (the contract names no zone). */
export const optionalInstant = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readDate(value, ctx, false)?.instant ?? null);

export const requiredInstant = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): Date => {
      const date = readDate(value, ctx, true);
      return date === null ? fail(ctx, value, "expected a date, got nothing") : date.instant;
    });

/** A list that may be absent or null (→ empty). */
export const optionalList = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((items): Array<z.output<T>> => items ?? []);

/** A whole count from 0 to a million; numeric text is tolerated; absent or null takes `fallback`. */
export const count = (fallback: number) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): number => {
      if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return fallback;
      const number = typeof value === "string" ? Number(value.trim()) : value;
      if (typeof number === "number" && Number.isInteger(number) && number >= 0 && number <= 1_000_000) return number;
      return fail(ctx, value, `expected a whole number from 0 to 1000000, got ${describeValue(value)}`);
    });
