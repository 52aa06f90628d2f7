/**
 * The few pieces of SOQL the connector writes. Values from outside (record ids, instants) only
 * ever enter a query through these helpers: ids must look like Salesforce ids, strings are
 * quoted and escaped, instants are formatted as SOQL datetime literals.
 */

/** An 18-character, case-safe Salesforce record id, as REST answers always carry. */
const RECORD_ID = /^[a-zA-Z0-9]{18}$/;

export function isRecordId(text: string): boolean {
  return RECORD_ID.test(text);
}

/** A SOQL string literal: backslashes and single quotes escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A SOQL datetime literal in UTC, whole seconds: `2026-11-23T12:00:00Z`. */
export function soqlDateTime(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/** The instant rounded down to its minute: the granularity Salesforce's replication calls read at. */
export function floorToMinute(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / 60_000) * 60_000);
}

/** `field IN ('a','b')`. The ids must be record ids (checked by the caller). */
export function inList(field: string, ids: readonly string[]): string {
  return `${field} IN (${ids.map(soqlString).join(",")})`;
}

/**
 * Splits ids into batches of at most `maxCount` whose `IN (…)` list stays under `maxChars`,
 * so no query URL grows past what Salesforce accepts however long the ids are.
 */
export function idBatches(ids: readonly string[], maxCount: number, maxChars: number): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const id of ids) {
    const cost = id.length + 3;
    if (batch.length > 0 && (batch.length >= maxCount || chars + cost > maxChars)) {
      batches.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(id);
    chars += cost;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** `SELECT a, b FROM obj WHERE … ORDER BY …`, dropping empty parts and duplicate fields. */
export function buildSoql(parts: {
  fields: readonly string[];
  from: string;
  where?: ReadonlyArray<string | null>;
  orderBy?: string;
}): string {
  const fields = [...new Set(parts.fields)];
  const conditions = (parts.where ?? []).filter((part): part is string => part !== null && part !== "");
  const where =
    conditions.length === 0 ? "" : ` WHERE ${conditions.map((part) => (conditions.length > 1 ? `(${part})` : part)).join(" AND ")}`;
  const order = parts.orderBy ? ` ORDER BY ${parts.orderBy}` : "";
  return `SELECT ${fields.join(", ")} FROM ${parts.from}${where}${order}`;
}
