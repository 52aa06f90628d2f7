import type { DataSource, EntityManager } from "typeorm";
import { findWhereIn } from "../db/bulk-writes";
import type { AdvisoryLocks } from "../db/advisory-lock";
import { MemberEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, MemberChange } from "../sources/ams-source";
import { SourceError } from "../sources/source.error";
import type { Clock } from "../time/clock";
import { parseAmsInstant } from "../sources/member-info/wire-dates";
import type { CursorStore } from "./cursor-store";
import type { RefreshQueue } from "./refresh-queue";
import type { SyncRuns } from "./sync-runs";
import type { SyncRunSnapshot } from "./sync-events";

/** Milliseconds of an AMS change time; NaN when it is not one. */
export function instantMs(text: string): number {
  return parseAmsInstant(text)?.getTime() ?? Number.NaN;
}

/** Each listed member's newest change time (NaN when the AMS gave none that parses). */
function newestListed(page: MemberChange[]): Map<string, number> {
  const listed = new Map<string, number>();
  for (const change of page) {
    const at = instantMs(change.lastUpdated);
    const seen = listed.get(change.memberKey);
    listed.set(change.memberKey, seen === undefined || Number.isNaN(seen) || at > seen ? at : seen);
  }
  return listed;
}

function datesOf(listed: Map<string, number>): Map<string, Date> {
  return new Map([...listed].filter(([, at]) => !Number.isNaN(at)).map(([key, at]) => [key, new Date(at)]));
}

export interface ChangePollerDeps {
  source: AmsSource;
  dataSource: DataSource;
  transactions: TransactionRunner;
  locks: AdvisoryLocks;
  queue: RefreshQueue;
  runs: SyncRuns;
  cursors: CursorStore;
  clock: Clock;
  logger: Logger;
  cursorOverlapMs: number;
  /** Called after work is queued, so idle workers start at once. */
  onQueued: () => void;
}

/**
 * Periodic Refresh (DESIGN §4.1): asks the AMS what changed since the cursor (inclusive, less
 * a small overlap for clock skew) and queues it. Pages are queued as they arrive, so a full
 * load never sits in memory; the last page is queued in the same transaction that advances
 * the cursor, and the cursor never moves before every page is queued: a crash replays, never
 * skips. A poll that finds nothing leaves the cursor where it was.
 */
export class ChangePoller {
  /** Until when (ms) the AMS asked not to be polled (its Retry-After on a failed poll). */
  private resumeAtMs = 0;

  constructor(private readonly deps: ChangePollerDeps) {}

  /** The scheduled poll: skipped while a Retry-After from the AMS lasts. An admin's poll is not. */
  async pollWhenDue(): Promise<SyncRunSnapshot | undefined> {
    const waitMs = this.resumeAtMs - this.deps.clock.now().getTime();
    if (waitMs > 0) {
      this.deps.logger.debug({ waitMs }, "members poll skipped: the AMS asked for a pause");
      return undefined;
    }
    return this.pollMembers("PERIODIC");
  }

  /**
   * Polls once. FULL reads every member the AMS lists and re-queues every cached one too (so
   * members gone from the AMS are found). Undefined when another process is polling.
   */
  async pollMembers(
    kind: "PERIODIC" | "FULL",
    onStarted: (run: SyncRunSnapshot) => void = () => undefined,
  ): Promise<SyncRunSnapshot | undefined> {
    return this.deps.locks.tryWith("poll:members", async () => {
      const run = await this.deps.runs.start(kind);
      onStarted(run);
      try {
        await this.readChanges(run.id, kind);
        if (kind === "FULL") await this.queueCachedMembers(run.id);
        await this.deps.runs.endDiscovery(run.id);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ err: error, runId: run.id }, "members poll failed; the cursor stays");
        if (error instanceof SourceError && error.retryAfterMs) this.resumeAtMs = this.deps.clock.now().getTime() + error.retryAfterMs;
        await this.deps.cursors.recordFailure("members", message, this.deps.clock.now());
        await this.deps.runs.failRun(run.id, message);
      }
      return (await this.deps.runs.get(run.id)) ?? run;
    });
  }

  private async readChanges(runId: string, kind: "PERIODIC" | "FULL"): Promise<void> {
    const { source, cursors, clock, cursorOverlapMs } = this.deps;
    const startedAt = clock.now();
    const stored = (await cursors.get("members"))?.cursor ?? null;
    const storedMs = stored === null ? Number.NaN : instantMs(stored);
    const since = kind === "FULL" || Number.isNaN(storedMs) ? null : new Date(storedMs - cursorOverlapMs);
    let newestMs = storedMs;
    let held: MemberChange[] | null = null;
    for await (const page of source.changedMembers(since)) {
      if (held !== null) await this.queuePage(runId, kind, held, null);
      for (const change of page) {
        const at = instantMs(change.lastUpdated);
        if (!Number.isNaN(at) && (Number.isNaN(newestMs) || at > newestMs)) newestMs = at;
      }
      held = page;
    }
    // An AMS may list changes in any order, and a change can land behind the page being read.
    // So the cursor never passes the poll's start: the next poll, overlap and all, re-reads
    // everything that changed while this one was paging.
    const capped = Math.min(newestMs, startedAt.getTime());
    const advanced = !Number.isNaN(capped) && capped !== storedMs ? new Date(capped).toISOString() : null;
    await this.queuePage(runId, kind, held ?? [], { cursor: advanced, polledAt: clock.now() });
  }

  private async queuePage(
    runId: string,
    kind: "PERIODIC" | "FULL",
    page: MemberChange[],
    finish: { cursor: string | null; polledAt: Date } | null,
  ): Promise<void> {
    await this.deps.transactions.run(async (manager) => {
      const listedAt = newestListed(page);
      const keys = kind === "FULL" ? [...listedAt.keys()] : await this.notYetCached(manager, listedAt);
      if (page.length > 0) {
        const queued = keys.length > 0 ? await this.deps.queue.enqueue(manager, keys, kind, runId, datesOf(listedAt)) : 0;
        await this.deps.runs.addDiscovered(manager, runId, page.length, queued);
      }
      if (finish) await this.deps.cursors.recordPoll(manager, "members", finish.cursor, finish.polledAt);
    });
    if (page.length > 0) this.deps.onQueued();
  }

  /**
   * The changes the cache does not hold yet. Reading inclusively with an overlap lists recent
   * changes again on every poll; a member whose cached AMS change time is already this one (or
   * later) needs no refresh.
   */
  private async notYetCached(manager: EntityManager, listed: Map<string, number>): Promise<string[]> {
    if (listed.size === 0) return [];
    const cached = await findWhereIn(manager, MemberEntity, "memberKey", [...listed.keys()]);
    const current = new Map(cached.map((member) => [member.memberKey, member.sourceUpdatedAt?.getTime() ?? Number.NaN]));
    return [...listed.entries()]
      .filter(([key, at]) => Number.isNaN(at) || !(current.get(key)! >= at))
      .map(([key]) => key);
  }

  /** Every cached key, a page at a time, so members the AMS no longer lists are refreshed too. */
  private async queueCachedMembers(runId: string): Promise<void> {
    let after = "";
    for (;;) {
      const rows = await this.deps.dataSource
        .getRepository(MemberEntity)
        .createQueryBuilder("m")
        .select("m.memberKey", "memberKey")
        .where("m.memberKey > :after", { after })
        .orderBy("m.memberKey", "ASC")
        .limit(1_000)
        .getRawMany<{ memberKey: string }>();
      if (rows.length === 0) return;
      const keys = rows.map((row) => row.memberKey);
      await this.deps.transactions.run(async (manager) => {
        const queued = await this.deps.queue.enqueue(manager, keys, "FULL", runId);
        await this.deps.runs.addDiscovered(manager, runId, 0, queued);
      });
      this.deps.onQueued();
      after = keys.at(-1)!;
    }
  }
}
