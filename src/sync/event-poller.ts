import type { EntityManager } from "typeorm";
import type { AdvisoryLocks } from "../db/advisory-lock";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, ChangedEventsPage } from "../sources/ams-source";
import type { Clock } from "../time/clock";
import { instantMs, pollAsRun, type PollFinish, readSinceCursor } from "./cursor-poll";
import type { CursorStore } from "./cursor-store";
import { writeEvents } from "./event-writer";
import type { RunLedger } from "./run-ledger";
import type { SyncRunSnapshot } from "./sync-events";

const NO_EVENTS: ChangedEventsPage = { events: [], invalid: [], newestUpdate: null };

/**
 * Events on their own interval and cursor (DESIGN §4.7). Events are few and whole, so each page
 * is written directly (no queue); the cursor is read and advanced as for members.
 */
export class EventPoller {
  constructor(
    private readonly deps: {
      source: AmsSource;
      transactions: TransactionRunner;
      locks: AdvisoryLocks;
      ledger: RunLedger;
      cursors: CursorStore;
      clock: Clock;
      logger: Logger;
      cursorOverlapMs: number;
      intervalMs: number;
    },
  ) {}

  /** The scheduled poll: once per interval across every process, as for members. */
  async pollWhenDue(): Promise<SyncRunSnapshot | undefined> {
    const nowMs = this.deps.clock.now().getTime();
    const last = (await this.deps.cursors.get("events"))?.lastPolledAt?.getTime();
    if (last !== undefined && nowMs - last < this.deps.intervalMs && nowMs >= last) return undefined;
    return this.poll();
  }

  poll(onStarted: (run: SyncRunSnapshot) => void = () => undefined, waitMs?: number): Promise<SyncRunSnapshot | undefined> {
    return pollAsRun(this.deps, {
      stream: "events",
      kind: "EVENTS",
      onStarted,
      waitMs,
      discover: (runId) =>
        readSinceCursor<ChangedEventsPage>({
          cursors: this.deps.cursors,
          stream: "events",
          clock: this.deps.clock,
          overlapMs: this.deps.cursorOverlapMs,
          fromStart: false,
          pages: (since) => this.deps.source.changedEvents(since),
          newestMs: (page) => (page.newestUpdate === null ? Number.NaN : instantMs(page.newestUpdate)),
          write: (page, finish) => this.write(runId, page ?? NO_EVENTS, finish),
        }),
    });
  }

  private async write(runId: string, page: ChangedEventsPage, finish: PollFinish | null): Promise<void> {
    for (const entry of page.invalid) {
      this.deps.logger.warn({ eventKey: entry.eventKey, code: entry.error.code, message: entry.error.message }, "event skipped");
    }
    const now = this.deps.clock.now();
    await this.deps.transactions.run(async (manager: EntityManager) => {
      await writeEvents(manager, page.events, now);
      const counts = { refreshed: page.events.length, unchanged: 0, failed: page.invalid.length };
      await this.deps.ledger.addWork(manager, runId, page.events.length + page.invalid.length, counts);
      if (finish) await this.deps.cursors.recordPoll(manager, "events", finish.cursor, finish.polledAt);
    });
  }
}
