import { z } from "zod";
import { contractViolation } from "../member-info/contract-violation";
import type { WireDate } from "../member-info/wire-dates";
import { describeValue } from "../member-info/wire-values";
import { SourceError, SourceErrorCode } from "../source.error";
import { parseODataDate } from "./personify-odata.wire";

/** Leaf parsers for OData property values, beside the shared text leaves of `wire-values`. */

const ODATA_DATE_FORMAT = "/Date(ms)/ or yyyy-MM-ddTHH:mm:ss";

function readDate(value: unknown, ctx: z.core.$RefinementCtx): WireDate | null {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return null;
  const result = typeof value === "string" ? parseODataDate(value) : { ok: false as const, reason: "not text" };
  if (result.ok) return result.value;
  ctx.issues.push({
    code: "custom",
    message: `expected a date (${ODATA_DATE_FORMAT}), got ${describeValue(value)}: ${result.reason}`,
    input: value,
  });
  return z.NEVER as never;
}

/** A calendar day, `YYYY-MM-DD` as Personify wrote it. */
export const odataDay = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readDate(value, ctx)?.day ?? null);

/** An instant (Edm.DateTime read as UTC: Personify writes wall-clock times without a zone). */
export const odataInstant = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => readDate(value, ctx)?.instant ?? null);

export const requiredOdataInstant = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): Date => {
      const date = readDate(value, ctx);
      if (date !== null) return date.instant;
      ctx.issues.push({ code: "custom", message: `expected a date (${ODATA_DATE_FORMAT}), got ${describeValue(value)}`, input: value });
      return z.NEVER as never;
    });

const TRUE_WORDS = new Set(["true", "y", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "n", "no", "0"]);

/** Edm.Boolean, or Personify's `Y`/`N` flag columns; absent or null is `null`. */
export const odataFlag = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): boolean | null => {
      if (value === undefined || value === null) return null;
      if (typeof value === "boolean") return value;
      const word = String(value).trim().toLowerCase();
      if (word === "") return null;
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      ctx.issues.push({ code: "custom", message: `expected true/false or Y/N, got ${describeValue(value)}`, input: value });
      return z.NEVER as never;
    });

type Leaves = Record<string, z.ZodType>;
/** A row read through a mapping: every leaf's output, null where the field is not mapped. */
export type ReadRow<L extends Leaves> = { [K in keyof L]: z.output<L[K]> | null };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads rows of one entity set through its mapping: each mapped property is parsed by the leaf of
 * its canonical field, and a bad row fails with a CONTRACT_VIOLATION naming the site's property
 * names, so the message points at the data (or the mapping) that is wrong.
 */
export class RowReader<L extends Leaves> {
  private readonly schema: z.ZodObject;
  private readonly keys: Array<keyof L & string>;

  constructor(
    private readonly fields: { [K in keyof L]: string | null },
    leaves: L,
  ) {
    this.keys = Object.keys(leaves) as Array<keyof L & string>;
    const shape: Record<string, z.ZodType> = {};
    for (const key of this.keys) if (fields[key] !== null) shape[key] = leaves[key]!;
    this.schema = z.object(shape);
  }

  /** The raw value of a canonical field, read leniently (for keys in messages before validation). */
  peek(row: unknown, key: keyof L & string): unknown {
    const property = this.fields[key];
    return property === null || !isObject(row) ? undefined : row[property];
  }

  read(row: unknown, subject: string, memberKey?: string): ReadRow<L> {
    if (!isObject(row)) {
      throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${subject}: expected an entity object, got ${describeValue(row)}`, {
        memberKey,
      });
    }
    const input: Record<string, unknown> = {};
    for (const key of this.keys) if (this.fields[key] !== null) input[key] = row[this.fields[key]!];
    const result = this.schema.safeParse(input, { reportInput: true });
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({
        ...issue,
        path: [this.fields[String(issue.path[0])] ?? String(issue.path[0]), ...issue.path.slice(1)],
      }));
      throw contractViolation(subject, issues, memberKey);
    }
    const output: Record<string, unknown> = {};
    for (const key of this.keys) output[key] = this.fields[key] === null ? null : (result.data as Record<string, unknown>)[key];
    return output as ReadRow<L>;
  }
}

/** A key value (text or number) read leniently, or null. */
export function keyText(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}
