import type { AmsSource, ChangedEventsPage, FetchedMembers, MemberChange } from "../../src/sources/ams-source";
import type { DemoAssociation } from "../../src/sources/demo/demo-association";
import type { RecordFileReader } from "./record-file";

const PAGE_SIZE = 1_000;

/**
 * The demo association with its records generated ahead of time: the change listing comes from
 * the association (it generates nothing), full records from the pre-generated file. Running the
 * real refresh on it measures amsgate's write path without faker's cost inside the timing.
 */
export class ReplaySource implements AmsSource {
  readonly name = "demo-replay";
  /** As the demo source's, so batches are cut the same way. */
  readonly maxBatchSize = 100;

  constructor(
    private readonly association: DemoAssociation,
    private readonly records: RecordFileReader,
  ) {}

  async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    let page: MemberChange[] = [];
    for (const change of this.association.changes(since)) {
      page.push(change);
      if (page.length === PAGE_SIZE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const result: FetchedMembers = { members: [], missing: [], invalid: [] };
    const unique = [...new Set(keys)];
    const records = this.records.readMany(unique);
    for (const key of unique) {
      const record = records.get(key);
      if (record) result.members.push(record);
      else result.missing.push(key);
    }
    return result;
  }

  async *changedEvents(): AsyncIterable<ChangedEventsPage> {
    // The write benchmark is about members; events are not part of it.
  }
}
