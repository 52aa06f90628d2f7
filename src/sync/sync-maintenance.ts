import type { DataSource } from "typeorm";
import { ImportRowErrorEntity, SyncRunEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Clock } from "../time/clock";
import type { RunLedger } from "./run-ledger";

/** A discovery with no recorded owner still open after this long was cut off by a crash. */
const ABANDONED_DISCOVERY_MS = 6 * 60 * 60_000;

/**
 * Keeps sync_runs honest and small: fails discoveries whose process died (its lease ran out),
 * ends runs whose work finished while their process died before it could say so, and forgets
 * finished runs older than the retention.
 */
export class SyncMaintenance {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly runs: RunLedger,
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  async run(): Promise<void> {
    const now = this.clock.now().getTime();
    const repository = this.dataSource.getRepository(SyncRunEntity);
    await this.runs.failAbandoned();
    const open = await repository.find({
      where: { status: "RUNNING" },
      select: { id: true, discovering: true, startedAt: true, owner: true },
    });
    // Runs from before owners were recorded: only their age tells.
    for (const run of open.filter(
      (candidate) => candidate.discovering && candidate.owner === null && now - candidate.startedAt.getTime() > ABANDONED_DISCOVERY_MS,
    )) {
      await this.runs.failRun(run.id, "discovery was interrupted (the process stopped before it finished)");
    }
    await this.runs.settle(open.filter((run) => !run.discovering).map((run) => run.id));
    await this.transactions.run((manager) =>
      manager
        .createQueryBuilder()
        .delete()
        .from(SyncRunEntity)
        .where("status IN (:...done) AND finishedAt < :cutoff", {
          done: ["SUCCEEDED", "PARTIAL", "FAILED"],
          cutoff: new Date(now - this.retentionMs),
        })
        .execute(),
    );
    // An import's skipped rows go with its run.
    await this.transactions.run((manager) =>
      manager
        .createQueryBuilder()
        .delete()
        .from(ImportRowErrorEntity)
        .where(`runId NOT IN (${manager.createQueryBuilder().subQuery().select("r.id").from(SyncRunEntity, "r").getQuery()})`)
        .execute(),
    );
  }
}
