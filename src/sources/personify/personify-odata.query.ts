import type { EntityMapping, PersonifyMapping } from "./personify.mapping";
import { odataDateTime, odataLiteral, odataString } from "./personify-odata.wire";

/** The configured organization, applied to entity sets mapped as `orgScoped`. */
export interface OrgScope {
  orgId: string | null;
  orgUnitId: string | null;
}

/** Clauses joined with `and`, each in parentheses; null when there is none. */
export function allOf(clauses: ReadonlyArray<string | null>): string | null {
  const kept = clauses.filter((clause): clause is string => clause !== null && clause.trim() !== "");
  if (kept.length === 0) return null;
  return kept.length === 1 ? kept[0]! : kept.map((clause) => `(${clause})`).join(" and ");
}

/** `Field eq 'a' or Field eq 'b' …`: the batch lookup Personify's `$filter` supports (no `in`). */
export function anyKey(field: string, keys: readonly string[]): string {
  return keys.map((key) => `${field} eq ${odataString(key)}`).join(" or ");
}

/** `Field ge datetime'…'`: inclusive, as the sync cursor is read. */
export function changedSince(field: string, since: Date): string {
  return `${field} ge ${odataDateTime(since)}`;
}

/** What every query of an entity set carries: its fixed filter and, when it is org-scoped, the organization. */
export function baseClauses(entity: EntityMapping, mapping: PersonifyMapping, org: OrgScope): string[] {
  const clauses = entity.filter === null ? [] : [entity.filter];
  if (entity.orgScoped) {
    const { orgIdField, orgUnitIdField } = mapping.organization;
    if (org.orgId !== null && orgIdField !== null) clauses.push(`${orgIdField} eq ${odataString(org.orgId)}`);
    if (org.orgUnitId !== null && orgUnitIdField !== null) clauses.push(`${orgUnitIdField} eq ${odataString(org.orgUnitId)}`);
  }
  return clauses;
}

/** The sub-customer clause for the customers set (individuals and companies are sub-customer 0). */
export function subCustomerClause(mapping: PersonifyMapping): string | null {
  const field = mapping.customers.fields.subCustomerId;
  return field === null ? null : `${field} eq ${odataLiteral(mapping.customers.subCustomerIdValue)}`;
}

/** The mapped property names among `fields` (unmapped ones are null and not asked for). */
export function selected(fields: Record<string, string | null>): string[] {
  return [...new Set(Object.values(fields).filter((field): field is string => field !== null))];
}

/** The characters `text` takes in a request's query once percent-encoded (a quote becomes %27, as fetch sends it). */
export function encodedLength(text: string): number {
  return encodeURIComponent(text).length + 2 * (text.split("'").length - 1);
}

/**
 * Splits keys into runs whose request stays within `maxKeys` keys and `maxUrlLength` characters:
 * `urlFor` measures a run of one key, `addedLength` what each further key adds. A key too long to
 * fit even alone gets a run of its own; the server's answer to it (414 or 400) then fails only that run.
 */
export function chunkKeys(
  keys: readonly string[],
  maxKeys: number,
  maxUrlLength: number,
  urlFor: (keys: readonly string[]) => number,
  addedLength: (key: string) => number,
): string[][] {
  const runs: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const key of keys) {
    const added = current.length === 0 ? 0 : addedLength(key);
    if (current.length > 0 && (current.length + 1 > maxKeys || length + added > maxUrlLength)) {
      runs.push(current);
      current = [];
    }
    if (current.length === 0) {
      current = [key];
      length = urlFor(current);
    } else {
      current.push(key);
      length += added;
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
