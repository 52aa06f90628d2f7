import type { MemberChangeEvent } from "./member-change";

/** A sync run as published: JSON-safe (instants as ISO strings) so it can cross Redis. */
export interface SyncRunSnapshot {
  id: string;
  kind: string;
  status: string;
  detail: string | null;
  startedAt: string;
  finishedAt: string | null;
  discovered: number;
  queued: number;
  refreshed: number;
  unchanged: number;
  failed: number;
  /**
   * Set on a published snapshot (never stored) when the run's members are waiting out an AMS
   * outage: whoever waits for the run learns at once instead of at the end of its wait.
   */
  blocked?: { code: string; message: string } | null;
}

export interface QueueState {
  pending: number;
  deadLetters: number;
}

/** Topics sync publishes on; the graph subscribes to the same names. */
export const SYNC_TOPICS = {
  run: "sync.run",
  queue: "sync.queue",
  member: "sync.member",
} as const;

/** What sync needs of a pub/sub: in-process by default, Redis between processes. */
export interface EventChannel {
  publish(topic: string, payload: unknown): void;
  subscribe(topic: string): AsyncIterable<unknown>;
}

/** Typed events sync publishes; it knows nothing of GraphQL. */
export class SyncEvents {
  constructor(private readonly channel: EventChannel) {}

  runChanged(run: SyncRunSnapshot): void {
    this.channel.publish(SYNC_TOPICS.run, run);
  }

  queueChanged(state: QueueState): void {
    this.channel.publish(SYNC_TOPICS.queue, state);
  }

  /** Every queue size published, by any process. */
  queueStates(): AsyncIterable<unknown> {
    return this.channel.subscribe(SYNC_TOPICS.queue);
  }

  memberChanged(change: MemberChangeEvent): void {
    this.channel.publish(SYNC_TOPICS.member, change);
  }

  /**
   * Resolves with the run once it is no longer RUNNING or is blocked by an AMS outage (seen
   * from any process), or with undefined after `timeoutMs`. `current` closes the race with a run that finished before
   * the subscription started.
   */
  async waitForRun(
    runId: string,
    timeoutMs: number,
    current: () => Promise<SyncRunSnapshot | undefined>,
    timers: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } = globalThis,
  ): Promise<SyncRunSnapshot | undefined> {
    const iterator = this.channel.subscribe(SYNC_TOPICS.run)[Symbol.asyncIterator]();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = timers.setTimeout(() => resolve(undefined), timeoutMs);
    });
    const finished = (async () => {
      const already = await current();
      if (already && already.status !== "RUNNING") return already;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return undefined;
        const run = next.value as SyncRunSnapshot;
        if (run.id === runId && (run.status !== "RUNNING" || run.blocked)) return run;
      }
    })();
    try {
      return await Promise.race([finished, timeout]);
    } finally {
      if (timer !== undefined) timers.clearTimeout(timer);
      await iterator.return?.();
    }
  }
}
