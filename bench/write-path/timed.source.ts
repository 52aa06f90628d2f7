import type { AmsSource, ChangedEventsPage, FetchedMembers, MemberChange } from "../../src/sources/ams-source";

/**
 * Wraps a source and adds up the time spent inside it (listing changes, fetching records), so a
 * load's figures can be given with and without the source's share. The demo source works
 * synchronously inside its async calls, so this is time the event loop spent generating.
 */
export class TimedSource implements AmsSource {
  /** Milliseconds inside `fetchMembers`. */
  fetchMs = 0;
  /** Milliseconds producing change-listing pages. */
  listMs = 0;
  fetchedRecords = 0;

  constructor(private readonly inner: AmsSource) {}

  get name(): string {
    return this.inner.name;
  }

  get maxBatchSize(): number {
    return this.inner.maxBatchSize;
  }

  get totalMs(): number {
    return this.fetchMs + this.listMs;
  }

  async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    const iterator = this.inner.changedMembers(since)[Symbol.asyncIterator]();
    for (;;) {
      const started = performance.now();
      const next = await iterator.next();
      this.listMs += performance.now() - started;
      if (next.done) return;
      yield next.value;
    }
  }

  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const started = performance.now();
    try {
      const fetched = await this.inner.fetchMembers(keys);
      this.fetchedRecords += fetched.members.length;
      return fetched;
    } finally {
      this.fetchMs += performance.now() - started;
    }
  }

  changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    return this.inner.changedEvents(since);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
