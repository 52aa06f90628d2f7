import type { ImisSourceConfig } from "../../config/imis.config";
import type { Logger } from "../../observability/logger";
import type { AmsSource, ChangedEventsPage, FetchedMembers, MemberChange } from "../ams-source";
import { parseAmsInstant } from "../member-info/wire-dates";
import { SourceError, SourceErrorCode } from "../source.error";
import { ImisClient, type ImisClientDeps, type ImisQuery } from "./imis.client";
import { readPagedResult } from "./imis-envelope";
import { peekEventId, readImisEventsPage } from "./imis-event.mapper";
import { assembleBatch } from "./imis-batch";
import { ImisGroupMapper } from "./imis-group.mapper";
import { ImisPartyMapper, peekPartyId, peekUpdatedOn } from "./imis-party.mapper";

export type ImisSourceDeps = ImisClientDeps & { logger: Logger };

/** `in:` takes ids separated by `|`, so an id holding one cannot be asked for. */
const IN_SEPARATOR = "|";

/**
 * An instant as iMIS filters take it: ISO-8601 to the second, without an offset, because
 * iMIS sends its times without one and they are read back as UTC (README, "iMIS"). Seconds are
 * cut, never rounded up, so `ge:` stays inclusive.
 */
export function imisInstant(instant: Date): string {
  return instant.toISOString().slice(0, 19);
}

/**
 * The iMIS REST API as an AMS source: changes from `GET /api/Party` filtered on `UpdatedOn`,
 * records from `GET /api/Party` and `GET /api/GroupMember` filtered with `PartyId=in:`, events
 * from `GET /api/Event`. Listings are read inclusively (`ge:`) and de-duplicated, and what is
 * older than asked is dropped here too, because iMIS's own documentation warns that the
 * `updatedOn` filter does not always filter correctly.
 */
export class ImisSource implements AmsSource {
  readonly name = "imis";
  readonly maxBatchSize: number;
  readonly client: ImisClient;
  private readonly parties: ImisPartyMapper;
  private readonly groups: ImisGroupMapper;
  private readonly logger: Logger;

  constructor(
    private readonly config: ImisSourceConfig,
    deps: ImisSourceDeps,
  ) {
    this.client = new ImisClient(config, deps);
    this.parties = new ImisPartyMapper(config);
    this.groups = new ImisGroupMapper(config.groupRules);
    this.maxBatchSize = config.batchSize;
    this.logger = deps.logger;
  }

  async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    const seen = new Set<string>();
    for await (const page of this.client.pages("Party", this.changedSince(since), this.config.pageSize)) {
      const changes: MemberChange[] = [];
      let keyless = 0;
      for (const item of page.items) {
        const memberKey = peekPartyId(item);
        if (memberKey === null) {
          keyless += 1;
          continue;
        }
        const lastUpdated = peekUpdatedOn(item);
        if (olderThan(lastUpdated, since) || seen.has(memberKey)) continue;
        seen.add(memberKey);
        // No readable UpdatedOn: listed anyway (queued), and left out of the cursor.
        changes.push({ memberKey, lastUpdated: lastUpdated ?? "" });
      }
      if (keyless > 0) this.logger.warn({ keyless, offset: page.offset }, "iMIS listed parties without a PartyId; they were skipped");
      if (changes.length > 0) yield changes;
    }
  }

  /** Up to `batchSize` ids a request pair (Party, GroupMember); more are fetched in several, one after another. */
  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const result: FetchedMembers = { members: [], missing: [], invalid: [] };
    const askable = [...new Set(keys)].filter((key) => {
      if (!key.includes(IN_SEPARATOR)) return true;
      const message = `party id "${key}" contains "${IN_SEPARATOR}", which a PartyId=in: filter cannot carry`;
      result.invalid.push({ memberKey: key, error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, message, { memberKey: key }) });
      return false;
    });
    for (let start = 0; start < askable.length; start += this.config.batchSize) {
      const batch = askable.slice(start, start + this.config.batchSize);
      const filter = { PartyId: `in:${batch.join(IN_SEPARATOR)}` };
      const parties = await this.collect("Party", filter, batch.length);
      const groupMembers = await this.collect("GroupMember", filter, this.config.pageSize);
      const part = assembleBatch(batch, parties, groupMembers, { parties: this.parties, groups: this.groups });
      result.members.push(...part.members);
      result.missing.push(...part.missing);
      result.invalid.push(...part.invalid);
    }
    return result;
  }

  async *changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    const seen = new Set<string>();
    for await (const page of this.client.pages("Event", this.changedSince(since), this.config.pageSize)) {
      const fresh = page.items.filter((item) => {
        const key = peekEventId(item);
        if (key !== null && seen.has(key)) return false;
        if (key !== null) seen.add(key);
        return !olderThan(peekUpdatedOn(item), since);
      });
      const read = readImisEventsPage(fresh);
      if (read.events.length > 0 || read.invalid.length > 0) yield read;
    }
  }

  /**
   * The connection check: a token, then one Party. Resolves to what was reached; throws the
   * SourceError that says why not.
   */
  async checkConnection(): Promise<string> {
    const page = readPagedResult(await this.client.get("Party", { offset: "0", limit: "1" }), "GET /api/Party answer");
    return `iMIS at ${this.config.url}: signed in as ${this.config.username}, ${page.totalCount ?? "an unknown number of"} parties listed`;
  }

  private changedSince(since: Date | null): ImisQuery {
    return since === null ? {} : { UpdatedOn: `ge:${imisInstant(since)}` };
  }

  private async collect(path: string, query: ImisQuery, limit: number): Promise<unknown[]> {
    const items: unknown[] = [];
    for await (const page of this.client.pages(path, query, limit)) items.push(...page.items);
    return items;
  }
}

/** Whether an iMIS change time lies before `since` (a time that does not read is never "older"). */
function olderThan(updatedOn: string | null, since: Date | null): boolean {
  if (since === null || updatedOn === null) return false;
  const at = parseAmsInstant(updatedOn);
  return at !== null && at.getTime() < since.getTime();
}
