import { type Condition, matches, type ParsedQuery } from "./fake-salesforce-soql";

/** A stored record: field API names to values; relationships are lookups by id. */
export type OrgRow = Record<string, unknown> & { Id: string; SystemModstamp: string };

/** Key prefixes of the objects tests use; anything else gets "a0Z". */
const PREFIXES: Record<string, string> = { Account: "001", Contact: "003" };

/** `2026-11-23T12:00:00.000+0000`, the way Salesforce writes instants. */
export function salesforceInstant(instant: Date): string {
  return instant.toISOString().replace("Z", "+0000");
}

/**
 * A mutable in-memory Salesforce org: records by object, each insert or update stamping
 * SystemModstamp from the injected clock, deletions kept (with their time) for the delete log
 * and queryAll. Reads resolve relationship paths (`Account.Name`, `X__r.Name`) through lookups.
 */
export class FakeOrg {
  private readonly live = new Map<string, Map<string, OrgRow>>();
  private readonly gone = new Map<string, Map<string, { row: OrgRow; deletedAt: number }>>();
  private readonly objectOf = new Map<string, string>();
  private counter = 0;

  constructor(readonly clock: () => Date) {}

  insert(object: string, fields: Record<string, unknown>): string {
    const prefix = PREFIXES[object] ?? "a0Z";
    this.counter += 1;
    const id = (fields.Id as string | undefined) ?? `${prefix}${String(this.counter).padStart(12, "0")}AAA`;
    const row: OrgRow = { ...fields, Id: id, SystemModstamp: salesforceInstant(this.clock()) };
    this.table(this.live, object).set(id, row);
    this.objectOf.set(id, object);
    return id;
  }

  /** Changes fields and bumps SystemModstamp, as any save does. */
  update(id: string, fields: Record<string, unknown>): void {
    const row = this.find(id);
    Object.assign(row, fields, { SystemModstamp: salesforceInstant(this.clock()) });
  }

  /** Sets fields without touching SystemModstamp (to model data changed behind our back, or bad data). */
  poke(id: string, fields: Record<string, unknown>): void {
    Object.assign(this.find(id), fields);
  }

  delete(id: string): void {
    const object = this.objectOf.get(id)!;
    const row = this.find(id);
    this.table(this.live, object).delete(id);
    this.table(this.gone, object).set(id, {
      row: { ...row, IsDeleted: true, SystemModstamp: salesforceInstant(this.clock()) },
      deletedAt: this.clock().getTime(),
    });
  }

  get(id: string): OrgRow | undefined {
    const object = this.objectOf.get(id);
    return object === undefined ? undefined : this.table(this.live, object).get(id);
  }

  /** The live rows of `object`. */
  rows(object: string): OrgRow[] {
    return [...this.table(this.live, object).values()];
  }

  count(object: string): number {
    return this.table(this.live, object).size;
  }

  /** Ids whose SystemModstamp falls in [startMs, endMs). */
  updatedIds(object: string, startMs: number, endMs: number): string[] {
    return [...this.table(this.live, object).values()]
      .filter((row) => {
        const at = Date.parse(row.SystemModstamp.replace("+0000", "Z"));
        return at >= startMs && at < endMs;
      })
      .map((row) => row.Id);
  }

  deletedIds(object: string, startMs: number, endMs: number): Array<{ id: string; deletedDate: string }> {
    return [...this.table(this.gone, object).values()]
      .filter((entry) => entry.deletedAt >= startMs && entry.deletedAt < endMs)
      .map((entry) => ({ id: entry.row.Id, deletedDate: salesforceInstant(new Date(entry.deletedAt)) }));
  }

  /** Runs a parsed query: filters, sorts and shapes records as the REST API returns them. */
  select(query: ParsedQuery, options: { all: boolean; apiVersion: string }): Array<Record<string, unknown>> {
    const rows = [...this.table(this.live, query.from).values()];
    if (options.all) rows.push(...[...this.table(this.gone, query.from).values()].map((entry) => entry.row));
    // IN lists of ids are looked up in a set: a bench loads thousands of members through here.
    const tests = query.where.map((condition: Condition) => {
      const values =
        condition.kind === "in" && condition.values.every((value) => typeof value === "string")
          ? new Set(condition.values as string[])
          : null;
      return (row: OrgRow) => {
        const value = this.resolve(row, condition.field);
        return values ? typeof value === "string" && values.has(value) : matches(value, condition);
      };
    });
    const kept = rows.filter((row) => tests.every((test) => test(row)));
    kept.sort((a, b) => {
      for (const { field, descending } of query.orderBy) {
        const [x, y] = [String(this.resolve(a, field) ?? ""), String(this.resolve(b, field) ?? "")];
        if (x !== y) return (x < y ? -1 : 1) * (descending ? -1 : 1);
      }
      return 0;
    });
    const limited = query.limit === null ? kept : kept.slice(0, query.limit);
    return limited.map((row) => this.shape(row, query.from, query.fields, options.apiVersion));
  }

  /** The value at a path; `Account.Name` follows AccountId, `X__r.Name` follows X__c. */
  resolve(row: Record<string, unknown> | undefined, path: string): unknown {
    let current: Record<string, unknown> | undefined = row;
    const parts = path.split(".");
    for (const [index, part] of parts.entries()) {
      if (current === undefined) return null;
      if (index === parts.length - 1) return current[part] ?? null;
      current = this.related(current, part);
    }
    return null;
  }

  private related(row: Record<string, unknown>, relationship: string): Record<string, unknown> | undefined {
    const lookup = relationship.endsWith("__r") ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
    const id = row[lookup];
    return typeof id === "string" ? this.get(id) : undefined;
  }

  private shape(row: OrgRow, object: string, fields: string[], apiVersion: string): Record<string, unknown> {
    const record: Record<string, unknown> = {
      attributes: { type: object, url: `/services/data/v${apiVersion}/sobjects/${object}/${row.Id}` },
    };
    for (const field of fields) {
      const parts = field.split(".");
      let target = record;
      let source: Record<string, unknown> | undefined = row;
      for (const [index, part] of parts.entries()) {
        if (index === parts.length - 1) {
          target[part] = source?.[part] ?? null;
          break;
        }
        source = source ? this.related(source, part) : undefined;
        if (source === undefined) {
          target[part] = null;
          break;
        }
        const type = this.objectOf.get(source.Id as string) ?? "Unknown";
        const nested = (target[part] as Record<string, unknown> | null | undefined) ?? {
          attributes: { type, url: `/services/data/v${apiVersion}/sobjects/${type}/${String(source.Id)}` },
        };
        target[part] = nested;
        target = nested;
      }
    }
    return record;
  }

  private find(id: string): OrgRow {
    const row = this.get(id);
    if (!row) throw new Error(`no live record ${id}`);
    return row;
  }

  private table<T>(store: Map<string, Map<string, T>>, object: string): Map<string, T> {
    let table = store.get(object);
    if (!table) {
      table = new Map();
      store.set(object, table);
    }
    return table;
  }
}
