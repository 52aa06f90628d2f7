import { z } from "zod";
import { parseOrThrow } from "../member-info/contract-violation";

/**
 * iMIS serializes with Json.NET type handling: every object may carry a `$type`, every
 * collection is `{ "$type": "…Collection, …", "$values": [ … ] }`, a primitive held in an
 * `object` slot (an AdditionalAttributes value) is `{ "$type": "System.Int32", "$value": 5 }`,
 * and lists come back as a `PagedResult`. This is the one place that reads (and, for the fake
 * iMIS in the tests, writes) that envelope; mappers see plain arrays and values.
 */

const PAGED_RESULT_TYPE = "Asi.Soa.Core.DataContracts.PagedResult, Asi.Contracts";
const PROPERTY_BAG_TYPE = "Asi.Soa.Core.DataContracts.GenericPropertyDataCollection, Asi.Contracts";
const PROPERTY_TYPE = "Asi.Soa.Core.DataContracts.GenericPropertyData, Asi.Contracts";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The items of a collection: `$values` of an envelope, or a bare array (some endpoints and
 * older versions send one); absent or null is empty. Anything else is `undefined`, for the
 * caller to report.
 */
export function collectionValues(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.$values)) return value.$values;
  return undefined;
}

/** A typed primitive `{ $type, $value }` unwrapped; anything else as it is. */
export function typedValue(value: unknown): unknown {
  return isObject(value) && "$value" in value ? value.$value : value;
}

/** A zod schema for an iMIS collection of `item`; a value that is no collection fails as "expected array". */
export const imisList = <T extends z.ZodType>(item: T) => z.preprocess((value) => collectionValues(value) ?? value, z.array(item));

/** A zod schema for a value that may arrive as a typed primitive. */
export const imisTyped = <T extends z.ZodType>(leaf: T) => z.preprocess(typedValue, leaf);

/**
 * A GenericPropertyDataCollection (`AdditionalAttributes`, `Properties`) as a plain object from
 * `Name` to unwrapped `Value`; the first of a repeated name wins. A value that is no collection
 * is returned as it is, so the schema reading it reports what came back.
 */
export function propertyBag(value: unknown): unknown {
  const entries = collectionValues(value);
  if (entries === undefined) return value;
  const bag: Record<string, unknown> = {};
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.Name !== "string") continue;
    if (!(entry.Name in bag)) bag[entry.Name] = typedValue(entry.Value);
  }
  return bag;
}

const count = () => z.preprocess(typedValue, z.number().int().min(0));

const pagedResultSchema = z.object({
  Items: imisList(z.unknown()),
  Offset: count(),
  Limit: count(),
  Count: count().optional(),
  TotalCount: count().nullish(),
  HasNext: z.preprocess(typedValue, z.boolean()),
  NextOffset: count().nullish(),
});

/** One page of a listing, envelope removed. */
export interface PagedResult {
  items: unknown[];
  offset: number;
  limit: number;
  totalCount: number | null;
  hasNext: boolean;
  nextOffset: number | null;
}

/**
 * Reads a PagedResult; an envelope that does not match fails the whole call (nothing in it
 * can be trusted), the items are left for their own mapper to read one by one.
 */
export function readPagedResult(body: unknown, subject: string): PagedResult {
  const page = parseOrThrow(pagedResultSchema, body, subject);
  return {
    items: page.Items,
    offset: page.Offset,
    limit: page.Limit,
    totalCount: page.TotalCount ?? null,
    hasNext: page.HasNext,
    nextOffset: page.NextOffset ?? null,
  };
}

/** Writes a collection the way iMIS does. */
export function toCollection(type: string, values: unknown[]): { $type: string; $values: unknown[] } {
  return { $type: type, $values: values };
}

/** Writes a property bag the way iMIS does: dates and numbers as typed primitives, text as is. */
export function toPropertyBag(properties: Record<string, string | number | boolean | Date | null>): unknown {
  return toCollection(
    PROPERTY_BAG_TYPE,
    Object.entries(properties).map(([Name, value]) => ({ $type: PROPERTY_TYPE, Name, Value: toTypedValue(value) })),
  );
}

function toTypedValue(value: string | number | boolean | Date | null): unknown {
  if (value instanceof Date) return { $type: "System.DateTime", $value: value.toISOString().slice(0, 19) };
  if (typeof value === "number") return { $type: Number.isInteger(value) ? "System.Int32" : "System.Decimal", $value: value };
  if (typeof value === "boolean") return { $type: "System.Boolean", $value: value };
  return value ?? "";
}

/** Writes one page of a listing the way iMIS does. */
export function toPagedResult(items: unknown[], page: { offset: number; limit: number; totalCount: number }): unknown {
  const hasNext = page.offset + items.length < page.totalCount;
  return {
    $type: PAGED_RESULT_TYPE,
    Items: toCollection("System.Collections.Generic.List`1[[System.Object, mscorlib]], mscorlib", items),
    Offset: page.offset,
    Limit: page.limit,
    Count: items.length,
    TotalCount: page.totalCount,
    NextPageLink: null,
    HasNext: hasNext,
    NextOffset: hasNext ? page.offset + items.length : 0,
  };
}
