import type { EntityManager } from "typeorm";
import type { AdvisoryLocks } from "../db/advisory-lock";
import { findWhereIn, insertMany } from "../db/bulk-writes";
import { EventEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, ChangedEventsPage } from "../sources/ams-source";
import type { Clock } from "../time/clock";
import { instantMs } from "./change-poller";
import type { CursorStore } from "./cursor-store";
import type { SyncRunSnapshot } from "./sync-events";
import type { SyncRuns } from "./sync-runs";

const EVENT_COLUMNS: Array<keyof EventEntity & string> = [
  "title", "description", "startsAt", "endsAt", "timeZone", "location", "url", "productCode", "category",
  "isMembersOnly", "isDeleted", "sourceUpdatedAt", "lastRefreshedAt",
];

/**
 * Events on their own interval and cursor (DESIGN §4.7). Events are few and whole, so each page
 * is written directly (no queue); as with members, the last page and the cursor advance share
 * one transaction, and a failed poll leaves the cursor where it was.
 */
export class EventPoller {
  constructor(
    private readonly deps: {
      source: AmsSource;
      transactions: TransactionRunner;
      locks: AdvisoryLocks;
      runs: SyncRuns;
      cursors: CursorStore;
      clock: Clock;
      logger: Logger;
      cursorOverlapMs: number;
    },
  ) {}

  async poll(onStarted: (run: SyncRunSnapshot) => void = () => undefined): Promise<SyncRunSnapshot | undefined> {
    return this.deps.locks.tryWith("poll:events", async () => {
      const run = await this.deps.runs.start("EVENTS");
      onStarted(run);
      try {
        await this.readChanges(run.id);
        await this.deps.runs.endDiscovery(run.id);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ err: error, runId: run.id }, "events poll failed; the cursor stays");
        await this.deps.cursors.recordFailure("events", message, this.deps.clock.now());
        await this.deps.runs.failRun(run.id, message);
      }
      return (await this.deps.runs.get(run.id)) ?? run;
    });
  }

  private async readChanges(runId: string): Promise<void> {
    const startedAt = this.deps.clock.now();
    const stored = (await this.deps.cursors.get("events"))?.cursor ?? null;
    const storedMs = stored === null ? Number.NaN : instantMs(stored);
    const since = Number.isNaN(storedMs) ? null : new Date(storedMs - this.deps.cursorOverlapMs);
    let newestMs = storedMs;
    let held: ChangedEventsPage | null = null;
    for await (const page of this.deps.source.changedEvents(since)) {
      if (held !== null) await this.write(runId, held, null);
      const pageNewest = page.newestUpdate === null ? Number.NaN : instantMs(page.newestUpdate);
      if (!Number.isNaN(pageNewest) && (Number.isNaN(newestMs) || pageNewest > newestMs)) newestMs = pageNewest;
      held = page;
    }
    // As for members: never past the poll's start, so changes landing mid-poll are read next time.
    const capped = Math.min(newestMs, startedAt.getTime());
    const advanced = !Number.isNaN(capped) && capped !== storedMs ? new Date(capped).toISOString() : null;
    await this.write(runId, held ?? { events: [], invalid: [], newestUpdate: null }, advanced ?? undefined);
  }

  /** `cursor`: undefined for a middle page; null or a value for the last one. */
  private async write(runId: string, page: ChangedEventsPage, cursor: string | null | undefined): Promise<void> {
    for (const entry of page.invalid) {
      this.deps.logger.warn({ eventKey: entry.eventKey, code: entry.error.code, message: entry.error.message }, "event skipped");
    }
    const now = this.deps.clock.now();
    await this.deps.transactions.run(async (manager: EntityManager) => {
      const existing = new Map(
        (await findWhereIn(manager, EventEntity, "eventKey", page.events.map((event) => event.eventKey))).map((event) => [
          event.eventKey,
          event,
        ]),
      );
      await insertMany(
        manager,
        EventEntity,
        page.events.map((event) => ({ ...event, lastRefreshedAt: now, createdAt: existing.get(event.eventKey)?.createdAt ?? now })),
        { update: EVENT_COLUMNS, keys: ["eventKey"] },
      );
      const counts = { refreshed: page.events.length, unchanged: 0, failed: page.invalid.length };
      await this.deps.runs.addDiscovered(manager, runId, page.events.length + page.invalid.length, 0);
      await this.deps.runs.credit(manager, new Map([[runId, counts]]));
      if (cursor !== undefined) await this.deps.cursors.recordPoll(manager, "events", cursor, now);
    });
  }
}
