import type { AdvisoryLocks } from "../db/advisory-lock";
import type { SyncRunKindValue } from "../db/entities/sync-run.entity";
import type { Logger } from "../observability/logger";
import { parseAmsInstant } from "../sources/member-info/wire-dates";
import type { Clock } from "../time/clock";
import type { CursorStore, CursorStream } from "./cursor-store";
import type { RunLedger } from "./run-ledger";
import type { SyncRunSnapshot } from "./sync-events";

/** Given with a poll's last page: the cursor to record in the same transaction (null: stays). */
export interface PollFinish {
  cursor: string | null;
  polledAt: Date;
}

export interface CursorReadOptions<Page> {
  cursors: CursorStore;
  stream: CursorStream;
  clock: Clock;
  /** Read this much before the cursor, for clock skew between the AMS's writers. */
  overlapMs: number;
  /** Read everything, whatever the cursor says (a full load). */
  fromStart: boolean;
  /** When the read began, for the cursor's cap; a resumed full load gives its first start. */
  startedAt?: Date;
  /** The AMS's change listing from `since` (inclusive; null: everything). */
  pages: (since: Date | null) => AsyncIterable<Page>;
  /** Milliseconds of the newest change time on a page; NaN when it has none that parses. */
  newestMs: (page: Page) => number;
  /** Writes one page; the last one (null when there were none) comes with `finish`. */
  write: (page: Page | null, finish: PollFinish | null) => Promise<void>;
}

/**
 * A changed-since read, the same for every stream (DESIGN §4.1): pages are written as they
 * arrive, so a full load never sits in memory; the last page is written in the same transaction
 * that advances the cursor, and the cursor never moves before every page is written, so a crash
 * replays, never skips. A read that finds nothing new leaves the cursor where it was.
 */
export async function readSinceCursor<Page>(options: CursorReadOptions<Page>): Promise<void> {
  const { cursors, stream, clock, overlapMs } = options;
  const startedAt = options.startedAt ?? clock.now();
  const stored = (await cursors.get(stream))?.cursor ?? null;
  const storedMs = stored === null ? Number.NaN : instantMs(stored);
  const since = options.fromStart || Number.isNaN(storedMs) ? null : new Date(storedMs - overlapMs);
  let newestMs = storedMs;
  let held: Page | null = null;
  for await (const page of options.pages(since)) {
    if (held !== null) await options.write(held, null);
    const pageNewest = options.newestMs(page);
    if (!Number.isNaN(pageNewest) && (Number.isNaN(newestMs) || pageNewest > newestMs)) newestMs = pageNewest;
    held = page;
  }
  // An AMS may list changes in any order, and a change can land behind the page being read.
  // So the cursor never passes the poll's start: the next poll, overlap and all, re-reads
  // everything that changed while this one was paging.
  const capped = Math.min(newestMs, startedAt.getTime());
  const advanced = !Number.isNaN(capped) && capped !== storedMs ? new Date(capped).toISOString() : null;
  await options.write(held, { cursor: advanced, polledAt: clock.now() });
}

export interface PollRunDeps {
  locks: AdvisoryLocks;
  ledger: RunLedger;
  cursors: CursorStore;
  clock: Clock;
  logger: Logger;
}

/**
 * One poll as a run: under the stream's lock (so of all processes one polls at a time), a run
 * that is announced as soon as it exists, and a failure that leaves the cursor where it was and
 * is visible on the cursor and the run. A scheduled poll (no `waitMs`) is skipped, undefined,
 * when another poll of the stream holds the lock; an admin's poll (`waitMs`) starts its run at
 * once and queues behind the poll in progress, or fails saying it waited too long.
 */
export async function pollAsRun(
  deps: PollRunDeps,
  poll: {
    stream: CursorStream;
    kind: SyncRunKindValue;
    onStarted: (run: SyncRunSnapshot) => void;
    discover: (runId: string) => Promise<void>;
    onFailure?: (error: unknown) => void;
    waitMs?: number;
  },
): Promise<SyncRunSnapshot | undefined> {
  const lock = `poll:${poll.stream}`;
  const body = (run: SyncRunSnapshot) => async () => {
    try {
      await poll.discover(run.id);
      await deps.ledger.endDiscovery(run.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.warn({ err: error, runId: run.id }, `${poll.stream} poll failed; the cursor stays`);
      poll.onFailure?.(error);
      await deps.cursors.recordFailure(poll.stream, message, deps.clock.now());
      await deps.ledger.failRun(run.id, message);
    }
    return (await deps.ledger.get(run.id)) ?? run;
  };
  if (poll.waitMs === undefined) {
    return deps.locks.tryWith(lock, async () => {
      const run = await deps.ledger.start(poll.kind);
      poll.onStarted(run);
      return body(run)();
    });
  }
  const run = await deps.ledger.start(poll.kind);
  poll.onStarted(run);
  const ran = await deps.locks.withWait(lock, poll.waitMs, body(run), () =>
    deps.ledger.describe(run.id, `queued behind the ${poll.stream} poll in progress`),
  );
  if (ran) return ran;
  await deps.ledger.failRun(
    run.id,
    `another ${poll.stream} poll held the lock for over ${Math.round(poll.waitMs / 1000)} s; try again later`,
  );
  return (await deps.ledger.get(run.id)) ?? run;
}

/** The listed change times of those of `keys` that have one. */
export function listedTimesOf(keys: readonly string[], listedAt: ReadonlyMap<string, Date | null>): Map<string, Date> {
  const times = new Map<string, Date>();
  for (const key of keys) {
    const at = listedAt.get(key);
    if (at) times.set(key, at);
  }
  return times;
}

/** Milliseconds of an AMS change time; NaN when it is not one. */
export function instantMs(text: string): number {
  return parseAmsInstant(text)?.getTime() ?? Number.NaN;
}
