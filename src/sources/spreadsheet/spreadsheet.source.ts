import type { AmsSource, ChangedEventsPage, FetchedMembers, MemberChange } from "../ams-source";
import type { MemberRecord } from "../member-record";

/** Reads the records the cache holds for some keys (those it holds). */
export type CachedMemberReader = (keys: readonly string[]) => Promise<ReadonlyMap<string, MemberRecord>>;

/**
 * `AMS_SOURCE=spreadsheet`: there is no AMS. The cache is the system of record; data arrives by
 * CSV import and admin mutations. Nothing ever changes "at the source", and a member asked for
 * (a manual refresh, a full resync, a sign-on) is what the cache already holds, so a refresh
 * rewrites the same record and finds it unchanged. It makes no calls, so nothing here can fail
 * temporarily or refuse credentials; and it has no sign-on of its own.
 */
export class SpreadsheetSource implements AmsSource {
  readonly name = "spreadsheet";
  readonly maxBatchSize = 500;

  constructor(private readonly readCached: CachedMemberReader) {}

  async *changedMembers(_since: Date | null): AsyncIterable<MemberChange[]> {}

  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const cached = await this.readCached(keys);
    return {
      members: keys.flatMap((key) => cached.get(key) ?? []),
      missing: keys.filter((key) => !cached.has(key)),
      invalid: [],
    };
  }

  async *changedEvents(_since: Date | null): AsyncIterable<ChangedEventsPage> {}
}
