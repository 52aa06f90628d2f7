import type { SalesforceSourceConfig } from "../../config/salesforce.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import type { ActivityWriteBack, AmsSource, ChangedEventsPage, FetchedMembers, MemberChange } from "../ams-source";
import { SourceError, SourceErrorCode } from "../source.error";
import { type ApiUsage, SalesforceClient, type SalesforceClientDeps } from "./salesforce.client";
import { IN_LIST_MAX_CHARS, SalesforceChangeFeed } from "./salesforce-changes";
import { readSalesforceEvents } from "./salesforce-event.mapper";
import { contactFields, eventFields, groupFields, membershipFields, readPath, type SoqlRecord } from "./salesforce-fields";
import type { GroupMapping } from "./salesforce-mapping";
import { type ContactBundle, toMemberRecord } from "./salesforce-member.mapper";
import { buildSoql, floorToMinute, idBatches, inList, isRecordId, soqlDateTime } from "./soql";

/** Members per fetch: one query per object, its `Id IN (…)` list well under the URL budget. */
const MAX_BATCH = 200;
/** Changes per page handed to the poller on the replication path (SOQL pages keep Salesforce's size). */
const DEFAULT_PAGE_SIZE = 2_000;

export type SalesforceSourceDeps = Omit<SalesforceClientDeps, "now"> & {
  logger: Logger;
  /** The gateway's clock: the replication window's end and the 30-day rule are read against it. */
  clock: Clock;
  /** Changes per page on the replication path; for tests. */
  pageSize?: number;
};

/**
 * Fonteva, or any AMS built on Salesforce objects, through the Salesforce REST API. Members are
 * Contacts; memberships, committee seats and badges are rows of related objects named by the
 * mapping; events are records of the events object. See {@link SalesforceChangeFeed} for how
 * changes are found and what the poller sees as their change time.
 */
export class SalesforceSource implements AmsSource {
  readonly name = "salesforce";
  readonly maxBatchSize = MAX_BATCH;
  private readonly client: SalesforceClient;
  private readonly feed: SalesforceChangeFeed;
  /** Present only when SALESFORCE_WRITEBACK_OBJECT names where completions go. */
  readonly writeBack?: (activity: ActivityWriteBack) => Promise<void>;

  constructor(
    private readonly config: SalesforceSourceConfig,
    private readonly deps: SalesforceSourceDeps,
  ) {
    this.client = new SalesforceClient(config, { ...deps, now: () => deps.clock.now().getTime() });
    this.feed = new SalesforceChangeFeed(this.client, config.mapping, deps.logger, deps.pageSize ?? DEFAULT_PAGE_SIZE);
    const writeback = config.writeback;
    if (writeback) this.writeBack = (activity) => this.upsertCompletion(writeback, activity);
  }

  /**
   * One record of the configured object per idempotency key: an upsert by the external-id field
   * creates it the first time and rewrites the same values after a re-send.
   */
  private async upsertCompletion(writeback: NonNullable<SalesforceSourceConfig["writeback"]>, activity: ActivityWriteBack): Promise<void> {
    const { fields } = writeback;
    const record: Record<string, unknown> = {
      [fields.memberKey]: activity.memberKey,
      [fields.activityKey]: activity.activityKey,
      [fields.title]: activity.title,
      [fields.completedAt]: activity.completedAt.toISOString(),
      [fields.credits]: activity.credits,
      [fields.creditType]: activity.creditType ?? null,
    };
    const path = this.client.dataPath(
      `/sobjects/${writeback.object}/${writeback.externalIdField}/${encodeURIComponent(activity.idempotencyKey)}`,
    );
    await this.client.upsert(path, record);
  }

  /** The org's API usage from the newest answer's Sforce-Limit-Info; null before the first call. */
  get lastApiUsage(): ApiUsage | null {
    return this.client.lastApiUsage;
  }

  changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    return this.feed.changes(since, this.deps.clock.now());
  }

  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const result: FetchedMembers = { members: [], missing: [], invalid: [] };
    const wanted = [...new Set(keys)].filter((key) => {
      if (isRecordId(key)) return true;
      const message = `member key ${JSON.stringify(key.slice(0, 40))} is not an 18-character Salesforce record id`;
      result.invalid.push({ memberKey: key, error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, message, { memberKey: key }) });
      return false;
    });
    for (const batch of idBatches(wanted, MAX_BATCH, IN_LIST_MAX_CHARS)) {
      const part = await this.fetchBatch(batch);
      result.members.push(...part.members);
      result.missing.push(...part.missing);
      result.invalid.push(...part.invalid);
    }
    return result;
  }

  async *changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    const events = this.config.mapping.events;
    if (events === null) return;
    const after = since === null ? null : `SystemModstamp >= ${soqlDateTime(floorToMinute(since))}`;
    const soql = buildSoql({
      fields: eventFields(events),
      from: events.object,
      where: [after, events.where],
      orderBy: "SystemModstamp, Id",
    });
    // queryAll: an event deleted in Salesforce comes back once more, with IsDeleted, so the cache hides it.
    for await (const page of this.client.query(soql, { all: true })) {
      if (page.records.length > 0) yield readSalesforceEvents(page.records, events);
    }
  }

  private async fetchBatch(ids: string[]): Promise<FetchedMembers> {
    const { mapping } = this.config;
    const contact = mapping.contact;
    const contacts = await this.rows(
      buildSoql({ fields: contactFields(mapping), from: contact.object, where: [inList("Id", ids), contact.where] }),
    );
    const bundles = new Map<string, ContactBundle>();
    let unattributable = 0;
    for (const row of contacts) {
      if (typeof row.Id === "string" && ids.includes(row.Id))
        bundles.set(row.Id, { contact: row, memberships: [], communities: [], securityGroups: [] });
      else unattributable += 1;
    }
    const present = [...bundles.keys()];
    if (present.length > 0 && mapping.membership) {
      const m = mapping.membership;
      for (const row of await this.childRows(m.object, m.contactField, m.where, membershipFields(m), present)) {
        bundles.get(readPath(row, m.contactField) as string)?.memberships.push(row);
      }
    }
    if (present.length > 0) {
      await this.attachGroups(bundles, present, mapping.communities, "communities");
      await this.attachGroups(bundles, present, mapping.securityGroups, "securityGroups");
    }
    return this.sort(ids, bundles, unattributable);
  }

  private async attachGroups(
    bundles: Map<string, ContactBundle>,
    ids: string[],
    groups: GroupMapping[],
    into: "communities" | "securityGroups",
  ): Promise<void> {
    for (const group of groups) {
      for (const row of await this.childRows(group.object, group.contactField, group.where, groupFields(group), ids)) {
        bundles.get(readPath(row, group.contactField) as string)?.[into].push({ mapping: group, row });
      }
    }
  }

  private childRows(object: string, contactField: string, where: string | null, fields: string[], ids: string[]): Promise<SoqlRecord[]> {
    return this.rows(buildSoql({ fields, from: object, where: [inList(contactField, ids), where], orderBy: "Id" }));
  }

  private async rows(soql: string): Promise<SoqlRecord[]> {
    const rows: SoqlRecord[] = [];
    for await (const page of this.client.query(soql)) rows.push(...page.records);
    return rows;
  }

  /** Each asked-for id: its record, missing (no such Contact, e.g. deleted), or invalid alone. */
  private sort(ids: string[], bundles: Map<string, ContactBundle>, unattributable: number): FetchedMembers {
    const result: FetchedMembers = { members: [], missing: [], invalid: [] };
    for (const memberKey of ids) {
      const bundle = bundles.get(memberKey);
      if (bundle === undefined) {
        if (unattributable === 0) result.missing.push(memberKey);
        else {
          const message = `Contact "${memberKey}" was not in the answer, which held ${unattributable} row(s) without a requested Id`;
          result.invalid.push({ memberKey, error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, message, { memberKey }) });
        }
        continue;
      }
      try {
        result.members.push(toMemberRecord(bundle, this.config.mapping));
      } catch (error) {
        const wrapped =
          error instanceof SourceError
            ? error
            : new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `Contact "${memberKey}" could not be read`, { cause: error, memberKey });
        result.invalid.push({ memberKey, error: wrapped });
      }
    }
    return result;
  }
}
