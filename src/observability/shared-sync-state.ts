import type { DataSource } from "typeorm";
import { RefreshFailureEntity, RefreshQueueEntity, SyncCursorEntity } from "../db/entities";
import { REFRESH_PRIORITY } from "../sync/refresh-queue";
import type { Clock } from "../time/clock";

export interface QueueDepthRow {
  reason: string;
  priority: number;
  count: number;
}

export interface PollState {
  /** The last successful members poll any process recorded; null before the first full load. */
  lastSuccessfulPollAt: Date | null;
  /** Now minus that; null before the first. */
  lagMs: number | null;
}

/**
 * What every process of a deployment shares, read from the database when asked (a metrics
 * scrape, a readiness check), so a graph-only process reports the same as the one that polls.
 */
export class SharedSyncState {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Rows in the refresh queue by reason; every known reason is listed, at 0 when it has none. */
  async queueDepth(): Promise<QueueDepthRow[]> {
    const rows = await this.dataSource
      .getRepository(RefreshQueueEntity)
      .createQueryBuilder("q")
      .select("q.reason", "reason")
      .addSelect("q.priority", "priority")
      .addSelect("COUNT(*)", "count")
      .groupBy("q.reason")
      .addGroupBy("q.priority")
      .getRawMany<{ reason: string; priority: number | string; count: number | string }>();
    const depth = new Map<string, QueueDepthRow>(
      Object.entries(REFRESH_PRIORITY).map(([reason, priority]) => [`${reason}/${priority}`, { reason, priority, count: 0 }]),
    );
    for (const row of rows) {
      const priority = Number(row.priority);
      depth.set(`${row.reason}/${priority}`, { reason: row.reason, priority, count: Number(row.count) });
    }
    return [...depth.values()];
  }

  async deadLetters(): Promise<number> {
    return this.dataSource.getRepository(RefreshFailureEntity).count();
  }

  async pollState(): Promise<PollState> {
    const cursor = await this.dataSource.getRepository(SyncCursorEntity).findOneBy({ stream: "members" });
    const last = cursor?.lastSuccessfulPollAt ?? null;
    return { lastSuccessfulPollAt: last, lagMs: last === null ? null : Math.max(0, this.clock.now().getTime() - last.getTime()) };
  }
}
