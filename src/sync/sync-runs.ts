import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import { RefreshQueueRunEntity, SyncRunEntity } from "../db/entities";
import type { SyncRunKindValue } from "../db/entities/sync-run.entity";
import type { Clock } from "../time/clock";
import type { RunCredits } from "./refresh-queue";
import type { SyncEvents, SyncRunSnapshot } from "./sync-events";

export function toSnapshot(run: SyncRunEntity): SyncRunSnapshot {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    detail: run.detail,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    discovered: run.discovered,
    queued: run.queued,
    refreshed: run.refreshed,
    unchanged: run.unchanged,
    failed: run.failed,
  };
}

/**
 * Sync runs (DESIGN §4.9): every run is a row, every change of it is published. A run ends when
 * its discovery is over and none of the members it queued is left in the queue; the ending is
 * one conditional UPDATE, so of several processes exactly one ends it and publishes.
 */
export class SyncRuns {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly events: SyncEvents,
    private readonly logger: Logger,
  ) {}

  async start(kind: SyncRunKindValue, detail: string | null = null): Promise<SyncRunSnapshot> {
    const run = Object.assign(new SyncRunEntity(), {
      id: randomUUID(),
      kind,
      status: "RUNNING",
      detail,
      discovering: true,
      startedAt: this.clock.now(),
      finishedAt: null,
      discovered: 0,
      queued: 0,
      refreshed: 0,
      unchanged: 0,
      failed: 0,
    });
    await this.transactions.autocommit((manager) => manager.insert(SyncRunEntity, run));
    const snapshot = toSnapshot(run);
    this.events.runChanged(snapshot);
    return snapshot;
  }

  /** Counts work found, inside the transaction that queued it. */
  async addDiscovered(manager: EntityManager, runId: string, discovered: number, queued: number): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(SyncRunEntity)
      .set({ discovered: () => `discovered + ${Math.trunc(discovered)}`, queued: () => `queued + ${Math.trunc(queued)}` })
      .where("id = :runId", { runId })
      .execute();
  }

  /** Counts refresh outcomes, inside the transaction that recorded them. */
  async credit(manager: EntityManager, credits: RunCredits): Promise<void> {
    for (const [runId, credit] of credits) {
      await manager
        .createQueryBuilder()
        .update(SyncRunEntity)
        .set({
          refreshed: () => `refreshed + ${Math.trunc(credit.refreshed)}`,
          unchanged: () => `unchanged + ${Math.trunc(credit.unchanged)}`,
          failed: () => `failed + ${Math.trunc(credit.failed)}`,
        })
        .where("id = :runId", { runId })
        .execute();
    }
  }

  /** Discovery is over: from now on the run ends as soon as its queue share is empty. */
  async endDiscovery(runId: string): Promise<void> {
    await this.transactions.autocommit((manager) => manager.update(SyncRunEntity, { id: runId }, { discovering: false }));
    await this.settle([runId]);
  }

  /** A run that could not do its work at all (e.g. the AMS refused the poll). */
  async failRun(runId: string, detail: string): Promise<void> {
    const result = await this.transactions.autocommit((manager) =>
      manager.update(
        SyncRunEntity,
        { id: runId, status: "RUNNING" },
        { status: "FAILED", discovering: false, detail: detail.slice(0, 500), finishedAt: this.clock.now() },
      ),
    );
    const run = await this.get(runId);
    if (!run) return;
    this.events.runChanged(run);
    if ((result.affected ?? 0) > 0) this.logEnd(run);
  }

  /** Ends the runs whose work is done, then publishes each run's current state. */
  async settle(runIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(runIds)];
    if (ids.length === 0) return;
    const ended = new Set<string>();
    // One conditional UPDATE per run, each atomic on its own: no transaction needed.
    await this.transactions.autocommit(async (manager) => {
      for (const runId of ids) {
        const remaining = manager
          .createQueryBuilder()
          .subQuery()
          .select("1")
          .from(RefreshQueueRunEntity, "l")
          .where("l.run_id = :runId")
          .getQuery();
        const result = await manager
          .createQueryBuilder()
          .update(SyncRunEntity)
          .set({
            status: () =>
              "CASE WHEN failed = 0 THEN 'SUCCEEDED' WHEN refreshed + unchanged > 0 THEN 'PARTIAL' ELSE 'FAILED' END",
            finishedAt: this.clock.now(),
          })
          .where(`id = :runId AND status = 'RUNNING' AND discovering = :no AND NOT EXISTS ${remaining}`, {
            runId,
            no: false,
          })
          .execute();
        if ((result.affected ?? 0) > 0) ended.add(runId);
      }
    });
    for (const runId of ids) {
      const run = await this.get(runId);
      if (!run) continue;
      this.events.runChanged(run);
      if (ended.has(runId)) this.logEnd(run);
    }
  }

  /** One line per run, from the one process that ended it: what operators read in the logs. */
  private logEnd(run: SyncRunSnapshot): void {
    const { id, kind, status, discovered, queued, refreshed, unchanged, failed, startedAt, finishedAt } = run;
    const durationMs = finishedAt ? Date.parse(finishedAt) - Date.parse(startedAt) : null;
    const fields = { runId: id, kind, status, discovered, queued, refreshed, unchanged, failed, durationMs };
    // A poll that queued nothing (most refresh intervals; the overlap re-lists members already
    // current) would drown the rest at info.
    if (status === "SUCCEEDED" && queued + refreshed + unchanged === 0) this.logger.debug(fields, "sync run ended");
    else if (status === "SUCCEEDED") this.logger.info(fields, "sync run ended");
    else this.logger.warn({ ...fields, detail: run.detail }, "sync run ended");
  }

  async get(runId: string): Promise<SyncRunSnapshot | undefined> {
    const run = await this.dataSource.getRepository(SyncRunEntity).findOneBy({ id: runId });
    return run ? toSnapshot(run) : undefined;
  }
}
