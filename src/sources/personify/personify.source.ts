import type { PersonifySourceConfig } from "../../config/personify-source.config";
import type { Logger } from "../../observability/logger";
import type { AmsSource, ChangedEventsPage, Credentials, FetchedMembers, MemberChange } from "../ams-source";
import { SourceError } from "../source.error";
import type { EntityMapping } from "./personify.mapping";
import { PersonifyMapper } from "./personify.mapper";
import { PersonifyMemberFetcher } from "./personify-member-fetch";
import { PersonifyODataClient, type PersonifyODataDeps } from "./personify-odata.client";
import { allOf, baseClauses, changedSince, type OrgScope } from "./personify-odata.query";
import { odataLiteral, parseODataDate } from "./personify-odata.wire";
import { createReaders, type PersonifyReaders } from "./personify-readers";
import { authenticateCustomer, PersonifySignOnClient } from "./personify-sso-operations";
import { keyText } from "./personify-values";

export type PersonifySourceDeps = PersonifyODataDeps & { logger: Logger };

/** A set whose changes change a member: which property names the member and which the change time. */
interface ChangeStream {
  entity: EntityMapping;
  keyField: string;
  subField: string | null;
  updatedField: string | null;
}

/** An instant as the change listing reports it; "" when the row has none (the poller then always refreshes). */
function changeTime(value: unknown): string {
  if (typeof value !== "string") return "";
  const parsed = parseODataDate(value);
  return parsed.ok && parsed.value !== null ? parsed.value.instant.toISOString() : "";
}

/**
 * Personify Data Services (an OData service on WCF Data Services) as an AMS source. A member is
 * a customer (`MasterCustomerId`, sub-customer 0); it changed when its customer row or any row of
 * its addresses, phones, e-mails, committee memberships or membership orders changed, so the
 * change listing reads each of those sets on its change-time property, inclusively. Events are
 * the meeting products. Credential sign-on goes to the Personify single sign-on web service.
 */
export class PersonifySource implements AmsSource {
  readonly name = "personify";
  readonly maxBatchSize: number;
  /** Present only when a sign-on service is configured. */
  readonly authenticate?: (credentials: Credentials) => Promise<string>;
  private readonly client: PersonifyODataClient;
  private readonly readers: PersonifyReaders;
  private readonly mapper: PersonifyMapper;
  private readonly fetcher: PersonifyMemberFetcher;
  private readonly org: OrgScope;

  constructor(
    private readonly config: PersonifySourceConfig,
    private readonly deps: PersonifySourceDeps,
  ) {
    this.maxBatchSize = config.batchSize;
    this.client = new PersonifyODataClient(config, deps);
    this.readers = createReaders(config.mapping);
    this.mapper = new PersonifyMapper(config.mapping, this.readers, { staffMemberTypes: config.staffMemberTypes });
    this.org = { orgId: config.orgId, orgUnitId: config.orgUnitId };
    const options = { keysPerRequest: config.batchSize, maxUrlLength: config.maxUrlLength, org: this.org };
    this.fetcher = new PersonifyMemberFetcher(this.client, config.mapping, this.readers, this.mapper, options, deps.logger);
    const signOn = config.signOn;
    if (signOn !== null) {
      const client = new PersonifySignOnClient(signOn, { fetch: deps.fetch });
      this.authenticate = (credentials) => authenticateCustomer(client, signOn, credentials);
    }
  }

  /**
   * `since: null` lists every customer; otherwise every set with a change time is read from
   * `since` on (customers without one are listed in full: the poll cannot narrow them).
   */
  async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    const all = this.changeStreams();
    const streams = since === null ? all.slice(0, 1) : all.filter((stream, index) => index === 0 || stream.updatedField !== null);
    for (const stream of streams) {
      const changed = since !== null && stream.updatedField !== null ? changedSince(stream.updatedField, since) : null;
      const sub =
        stream.subField === null ? null : `${stream.subField} eq ${odataLiteral(this.config.mapping.customers.subCustomerIdValue)}`;
      const filter = allOf([...baseClauses(stream.entity, this.config.mapping, this.org), sub, changed]);
      const select = [stream.keyField, ...(stream.updatedField === null ? [] : [stream.updatedField])];
      for await (const rows of this.client.list(stream.entity.entitySet, { filter, select })) {
        const changes = this.readChanges(stream, rows);
        if (changes.length > 0) yield changes;
      }
    }
  }

  fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    return this.fetcher.fetch(keys);
  }

  async *changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    const events = this.config.mapping.events;
    if (events === null) return;
    const updated = events.fields.updatedAt;
    const filter = allOf([
      ...baseClauses(events, this.config.mapping, this.org),
      since !== null && updated !== null ? changedSince(updated, since) : null,
    ]);
    for await (const rows of this.client.list(events.entitySet, {
      filter,
      select: Object.values(events.fields).filter((f): f is string => f !== null),
    })) {
      const page: ChangedEventsPage = { events: [], invalid: [], newestUpdate: null };
      for (const row of rows) {
        const eventKey = keyText(this.readers.events!.peek(row, "eventKey"));
        try {
          const event = this.mapper.toEventRecord(row, eventKey);
          page.events.push(event);
          const at = event.sourceUpdatedAt?.toISOString() ?? null;
          if (at !== null && (page.newestUpdate === null || at > page.newestUpdate)) page.newestUpdate = at;
        } catch (error) {
          if (!(error instanceof SourceError)) throw error;
          page.invalid.push({ eventKey, error });
        }
      }
      yield page;
    }
  }

  /** The customers first (the full load reads only them), then each related set that has a change time. */
  private changeStreams(): ChangeStream[] {
    const { mapping } = this.config;
    const streams: ChangeStream[] = [];
    const c = mapping.customers.fields;
    streams.push({ entity: mapping.customers, keyField: c.masterCustomerId, subField: c.subCustomerId, updatedField: c.updatedAt });
    for (const set of ["addresses", "phones", "emails", "orders"] as const) {
      const entity = mapping[set];
      if (entity !== null)
        streams.push({
          entity,
          keyField: entity.fields.masterCustomerId,
          subField: entity.fields.subCustomerId,
          updatedField: entity.fields.updatedAt,
        });
    }
    const committees = mapping.committees;
    if (committees !== null) {
      const f = committees.fields;
      streams.push({ entity: committees, keyField: f.memberMasterCustomerId, subField: f.memberSubCustomerId, updatedField: f.updatedAt });
    }
    return streams;
  }

  private readChanges(stream: ChangeStream, rows: unknown[]): MemberChange[] {
    const changes: MemberChange[] = [];
    let unreadable = 0;
    for (const row of rows) {
      const record = typeof row === "object" && row !== null ? (row as Record<string, unknown>) : {};
      const memberKey = keyText(record[stream.keyField]);
      if (memberKey === null) unreadable += 1;
      else changes.push({ memberKey, lastUpdated: stream.updatedField === null ? "" : changeTime(record[stream.updatedField]) });
    }
    if (unreadable > 0) {
      this.deps.logger.warn(
        { entitySet: stream.entity.entitySet, rows: unreadable },
        "Personify change rows without a member key were skipped",
      );
    }
    return changes;
  }
}
