import type { AmsSource, ChangedEventsPage, FetchedMembers, MemberChange } from "../../src/sources/ams-source";

/**
 * Wraps a source and adds up the time spent inside it (listing changes, fetching records), so a
 * load's figures can be given with and without the source's share. The demo and replay sources
 * work synchronously inside their async calls, so the time until a call returns its promise is
 * the time the event loop spent generating. Only that part is counted: the wait for the promise
 * also runs whatever else was queued first, and two workers fetching at once (each awaiting
 * between chunks) would each count the other's chunks as their own (measured: 148 ms counted
 * for 88 ms of generating).
 */
export class TimedSource implements AmsSource {
  /** Milliseconds inside `fetchMembers`. */
  fetchMs = 0;
  /** Milliseconds producing change-listing pages. */
  listMs = 0;
  fetchedRecords = 0;

  constructor(
    private readonly inner: AmsSource,
    /** Milliseconds now (performance.now by default; a test gives its own). */
    private readonly now: () => number = () => performance.now(),
  ) {}

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
      const started = this.now();
      const pending = iterator.next();
      this.listMs += this.now() - started;
      const next = await pending;
      if (next.done) return;
      yield next.value;
    }
  }

  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const started = this.now();
    let pending: Promise<FetchedMembers>;
    try {
      pending = this.inner.fetchMembers(keys);
    } finally {
      this.fetchMs += this.now() - started;
    }
    const fetched = await pending;
    this.fetchedRecords += fetched.members.length;
    return fetched;
  }

  changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    return this.inner.changedEvents(since);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
