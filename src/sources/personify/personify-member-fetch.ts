import type { Logger } from "../../observability/logger";
import type { FetchedMembers } from "../ams-source";
import { KEY_MAX_CHARS } from "../member-info/wire-values";
import { SourceError, SourceErrorCode } from "../source.error";
import type { EntityMapping, PersonifyMapping } from "./personify.mapping";
import type { CustomerBundle, PersonifyMapper } from "./personify.mapper";
import type { PersonifyODataClient } from "./personify-odata.client";
import { allOf, anyKey, baseClauses, chunkKeys, encodedLength, type OrgScope, selected } from "./personify-odata.query";
import { odataLiteral } from "./personify-odata.wire";
import type { PersonifyReaders } from "./personify-readers";
import { keyText } from "./personify-values";

export interface MemberFetchOptions {
  /** Most keys in one `$filter`. */
  keysPerRequest: number;
  maxUrlLength: number;
  org: OrgScope;
}

type RelatedSet = "addresses" | "phones" | "emails" | "committees" | "orders";

/**
 * `fetchMembers` for Personify: the customers by `MasterCustomerId eq 'a' or …` (split to keep
 * each URL and key count bounded), then every related set for the customers found, in parallel,
 * then the committees' own customer records for their names (the join of COM_COMMITTEE_MEMBER
 * with CUSTOMER). A key no customer row answers is `missing`; a row that does not read makes
 * only its own member `invalid`.
 */
export class PersonifyMemberFetcher {
  constructor(
    private readonly client: PersonifyODataClient,
    private readonly mapping: PersonifyMapping,
    private readonly readers: PersonifyReaders,
    private readonly mapper: PersonifyMapper,
    private readonly options: MemberFetchOptions,
    private readonly logger: Logger,
  ) {}

  async fetch(keys: readonly string[]): Promise<FetchedMembers> {
    const result: FetchedMembers = { members: [], missing: [], invalid: [] };
    const wanted = [...new Set(keys)].filter((key) => {
      if (key.trim() !== "" && key.length <= KEY_MAX_CHARS) return true;
      result.invalid.push({
        memberKey: key,
        error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `member key "${key.slice(0, 40)}" is not a Personify MasterCustomerId`, {
          memberKey: key,
        }),
      });
      return false;
    });
    if (wanted.length === 0) return result;
    const { customers } = this.mapping;
    const subClause = this.subClause(customers.fields.subCustomerId);
    const customerRows = groupBy(await this.rowsFor(customers, customers.fields.masterCustomerId, wanted, [subClause]), (row) =>
      this.readers.customers.peek(row, "masterCustomerId"),
    );
    const found = wanted.filter((key) => customerRows.has(key));
    const related = await this.related(found);
    const committeeNames = await this.committeeNames(related.committees);
    for (const memberKey of wanted) {
      const customer = customerRows.get(memberKey)?.[0];
      if (customer === undefined) {
        result.missing.push(memberKey);
        continue;
      }
      const bundle: CustomerBundle = {
        customer,
        addresses: related.addresses.get(memberKey) ?? [],
        phones: related.phones.get(memberKey) ?? [],
        emails: related.emails.get(memberKey) ?? [],
        committees: related.committees.get(memberKey) ?? [],
        orders: related.orders.get(memberKey) ?? [],
        committeeNames,
      };
      try {
        result.members.push(this.mapper.toMemberRecord(memberKey, bundle));
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        result.invalid.push({ memberKey, error });
      }
    }
    return result;
  }

  private async related(keys: readonly string[]): Promise<Record<RelatedSet, Map<string, unknown[]>>> {
    const sets: RelatedSet[] = ["addresses", "phones", "emails", "committees", "orders"];
    const fetched = await Promise.all(sets.map((set) => this.relatedSet(set, keys)));
    return Object.fromEntries(sets.map((set, index) => [set, fetched[index]!])) as Record<RelatedSet, Map<string, unknown[]>>;
  }

  private async relatedSet(set: RelatedSet, keys: readonly string[]): Promise<Map<string, unknown[]>> {
    const entity = this.mapping[set];
    if (entity === null || keys.length === 0) return new Map();
    const fields = entity.fields as Record<string, string | null>;
    const [keyName, subName] =
      set === "committees" ? ["memberMasterCustomerId", "memberSubCustomerId"] : ["masterCustomerId", "subCustomerId"];
    const rows = await this.rowsFor(entity, fields[keyName]!, keys, [this.subClause(fields[subName] ?? null)]);
    const wanted = new Set(keys);
    let strays = 0;
    const grouped = groupBy(rows, (row) => {
      const key = keyText((row as Record<string, unknown> | null)?.[fields[keyName]!]);
      if (key === null || !wanted.has(key)) strays += 1;
      return key;
    });
    if (strays > 0)
      this.logger.warn({ entitySet: entity.entitySet, rows: strays }, "Personify rows without a requested member key were ignored");
    return grouped;
  }

  /** Names of the committees these rows name, from their customer records; a committee not found keeps its key as name. */
  private async committeeNames(byMember: Map<string, unknown[]>): Promise<Map<string, string>> {
    const committees = this.mapping.committees;
    const { masterCustomerId, labelName } = this.mapping.customers.fields;
    if (committees === null || committees.fields.committeeName !== null || labelName === null) return new Map();
    const ids = new Set<string>();
    for (const rows of byMember.values()) {
      for (const row of rows) {
        const id = keyText((row as Record<string, unknown> | null)?.[committees.fields.committeeMasterCustomerId]);
        if (id !== null) ids.add(id);
      }
    }
    if (ids.size === 0) return new Map();
    const names = new Map<string, string>();
    // A committee is a customer of its own record type, which the members' fixed filter leaves out.
    const customers = { ...this.mapping.customers, filter: null, fields: { masterCustomerId, labelName } };
    for (const row of await this.rowsFor(customers, masterCustomerId, [...ids], [])) {
      try {
        const read = this.readers.committeeCustomers.read(row, `${customers.entitySet} row of a committee`);
        if (read.labelName !== null) names.set(read.masterCustomerId!, read.labelName);
      } catch (error) {
        this.logger.warn({ err: error }, "a committee's name could not be read; its key stands in");
      }
    }
    return names;
  }

  /** Every row of `entity` whose `keyField` is one of `keys`, in URL-bounded runs of keys. */
  private async rowsFor(
    entity: EntityMapping,
    keyField: string,
    keys: readonly string[],
    clauses: Array<string | null>,
  ): Promise<unknown[]> {
    const base = [...baseClauses(entity, this.mapping, this.options.org), ...clauses];
    const select = selected(entity.fields);
    const query = (run: readonly string[]) => ({ filter: allOf([...base, anyKey(keyField, run)]), select });
    const runs = chunkKeys(
      keys,
      this.options.keysPerRequest,
      this.options.maxUrlLength,
      (run) => this.client.urlLength(entity.entitySet, query(run)),
      (key) => encodedLength(` or ${anyKey(keyField, [key])}`),
    );
    const rows: unknown[] = [];
    for (const run of runs) {
      for await (const page of this.client.list(entity.entitySet, query(run))) rows.push(...page);
    }
    return rows;
  }

  private subClause(field: string | null): string | null {
    return field === null ? null : `${field} eq ${odataLiteral(this.mapping.customers.subCustomerIdValue)}`;
  }
}

function groupBy(rows: readonly unknown[], keyOf: (row: unknown) => unknown): Map<string, unknown[]> {
  const grouped = new Map<string, unknown[]>();
  for (const row of rows) {
    const key = keyText(keyOf(row));
    if (key === null) continue;
    const list = grouped.get(key);
    if (list) list.push(row);
    else grouped.set(key, [row]);
  }
  return grouped;
}
