import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { chunks, deleteKeyed, keyedTable, runNamed, runSql } from "../db/bulk-writes";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import { RefreshQueueEntity, RefreshQueueRunEntity, SyncRunEntity } from "../db/entities";
import type { SyncRunKindValue } from "../db/entities/sync-run.entity";
import type { Clock } from "../time/clock";
import type { RunRef } from "./refresh-queue";
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

/** How one refresh of a queued member ended, for the runs waiting on it. */
export type RefreshOutcome = "refreshed" | "unchanged" | "failed";

/** Counts to add to one run. */
export interface RunCounts {
  refreshed: number;
  unchanged: number;
  failed: number;
}

/**
 * The one owner of run bookkeeping (DESIGN §4.9): every run is a row, every change of it is
 * published; what the refreshes of the members a run waits for came to is recorded here and
 * nowhere else. A queued member's row carries the run its pending refresh answers (written by
 * the queue as it coalesces); a member queued by further runs waits for them through links in
 * refresh_queue_runs, made here. A run ends when its discovery is over and none of the members
 * it queued is left; the ending is one conditional UPDATE, so of several processes exactly one
 * ends it and publishes.
 */
export class RunLedger {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly events: SyncEvents,
    private readonly logger: Logger,
    /** This process's instance: the owner of the runs it starts. */
    private readonly owner: string | null = null,
    /** Which owners are alive (their process lease holds); every owner when not told. */
    private readonly liveOwners: (owners: string[]) => Promise<Set<string>> = async (owners) => new Set(owners),
  ) {}

  async start(kind: SyncRunKindValue, detail: string | null = null): Promise<SyncRunSnapshot> {
    const run = Object.assign(new SyncRunEntity(), {
      id: randomUUID(),
      kind,
      status: "RUNNING",
      detail,
      owner: this.owner,
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

  /** Replaces what a running run says about itself, and publishes it. */
  async describe(runId: string, detail: string): Promise<void> {
    await this.transactions.autocommit((manager) =>
      manager.update(SyncRunEntity, { id: runId, status: "RUNNING" }, { detail: detail.slice(0, 500) }),
    );
    const run = await this.get(runId);
    if (run?.status === "RUNNING") this.events.runChanged(run);
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

  /**
   * Links queued members whose rows another run or a claim already holds to a run, in one
   * statement, inside the transaction that queued them; a member a worker holds right now
   * counts for the refresh after that one (after_lease). Returns how many links are new (a
   * member queued twice for one run counts once).
   */
  async link(manager: EntityManager, keys: readonly string[], runId: string): Promise<number> {
    if (keys.length === 0) return 0;
    const mysql = manager.connection.driver.options.type !== "sqljs";
    const parameters: Record<string, unknown> = { runId, now: this.clock.now(), yes: true, no: false };
    keys.forEach((key, index) => (parameters[`k${index}`] = key));
    const sql =
      `${mysql ? "INSERT IGNORE" : "INSERT OR IGNORE"} INTO refresh_queue_runs (member_key, run_id, after_lease) ` +
      "SELECT member_key, :runId, CASE WHEN lease_expires_at > :now THEN :yes ELSE :no END FROM refresh_queue " +
      `WHERE member_key IN (${keys.map((_, index) => `:k${index}`).join(", ")})`;
    const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
    const result = await manager.queryRunner!.query(query, values, true);
    return result.affected ?? 0;
  }

  /**
   * Records how the refreshes of these members ended, inside the transaction that settled their
   * queue rows, and returns the runs touched (to `settle` after commit). `waiting` says, per
   * member, the run on its row and whether links name more: a refresh answers the row's run and
   * the links that were waiting when it was claimed; links made while it was leased wait for the
   * next one. A member that leaves the queue failed (dead-lettered) answers every run it was in.
   */
  async recordOutcomes(
    manager: EntityManager,
    outcomes: ReadonlyMap<string, RefreshOutcome>,
    waiting: ReadonlyMap<string, RunRef>,
  ): Promise<string[]> {
    const counts = new Map<string, RunCounts>();
    const credit = (runId: string, outcome: RefreshOutcome) => {
      const count = counts.get(runId) ?? { refreshed: 0, unchanged: 0, failed: 0 };
      count[outcome] += 1;
      counts.set(runId, count);
    };
    const linkedDone: string[] = [];
    const failed: string[] = [];
    for (const [key, outcome] of outcomes) {
      const ref = waiting.get(key);
      if (ref?.runId) credit(ref.runId, outcome);
      if (outcome === "failed") failed.push(key);
      else if (ref?.extraRuns !== false) linkedDone.push(key);
    }
    for (const [keys, all] of [
      [linkedDone, false],
      [failed, true],
    ] as const) {
      for (const [runId, memberKey] of await this.takeLinks(manager, keys, all)) credit(runId, outcomes.get(memberKey)!);
    }
    await this.addCounts(manager, counts);
    return [...counts.keys()];
  }

  /** The runs waiting for the current refresh of these members (inside the caller's transaction). */
  async runsWaitingOn(manager: EntityManager, keys: readonly string[], waiting: ReadonlyMap<string, RunRef>): Promise<string[]> {
    const runIds = new Set<string>();
    for (const key of keys) {
      const runId = waiting.get(key)?.runId;
      if (runId) runIds.add(runId);
    }
    const linked = keys.filter((key) => waiting.get(key)?.extraRuns !== false);
    for (const part of chunks(linked, 1_000)) {
      const rows = await manager
        .createQueryBuilder(RefreshQueueRunEntity, "l")
        .select("DISTINCT l.runId", "runId")
        .where("l.memberKey IN (:...part) AND l.afterLease = :no", { part, no: false })
        .getRawMany<{ runId: string }>();
      rows.forEach((row) => runIds.add(row.runId));
    }
    return [...runIds];
  }

  /** Tells whoever waits for these runs that their members wait out an AMS outage. */
  async announceBlocked(runIds: readonly string[], blocked: { code: string; message: string }): Promise<void> {
    for (const runId of runIds) {
      const run = await this.get(runId);
      if (run?.status === "RUNNING") this.events.runChanged({ ...run, blocked });
    }
  }

  /** Removes and returns the links the current refresh answers (`all`: every link). */
  private async takeLinks(manager: EntityManager, keys: readonly string[], all: boolean): Promise<Array<[string, string]>> {
    const links: Array<[string, string]> = [];
    for (const part of chunks(keys, 1_000)) {
      const rows = await manager.createQueryBuilder(RefreshQueueRunEntity, "l").where("l.memberKey IN (:...part)", { part }).getMany();
      const answered = rows.filter((row) => all || !row.afterLease);
      links.push(...answered.map((row): [string, string] => [row.runId, row.memberKey]));
      if (answered.length > 0) {
        const { sql, values } = deleteKeyed(manager, "refresh_queue_runs", "member_key", part, all ? "" : "after_lease = 0");
        await runSql(manager, sql, values);
      }
      if (!all && answered.length < rows.length) {
        // The waiting links now wait for the refresh that follows.
        await runNamed(
          manager,
          `UPDATE ${keyedTable(manager, "refresh_queue_runs")} SET after_lease = :no WHERE member_key IN (:...part)`,
          {
            part,
            no: false,
          },
        );
      }
    }
    return links;
  }

  /**
   * Counts work found and done in one statement, inside the caller's transaction: what a write
   * that both discovers and settles its members (a batch of a full load, an import, a push)
   * tells its run. The same as addDiscovered (nothing queued) followed by addCounts.
   */
  async addWork(manager: EntityManager, runId: string, discovered: number, counts: RunCounts): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(SyncRunEntity)
      .set({
        discovered: () => `discovered + ${Math.trunc(discovered)}`,
        refreshed: () => `refreshed + ${Math.trunc(counts.refreshed)}`,
        unchanged: () => `unchanged + ${Math.trunc(counts.unchanged)}`,
        failed: () => `failed + ${Math.trunc(counts.failed)}`,
      })
      .where("id = :runId", { runId })
      .execute();
  }

  /** Adds counts to runs, inside the caller's transaction. */
  async addCounts(manager: EntityManager, counts: ReadonlyMap<string, RunCounts>): Promise<void> {
    for (const [runId, credit] of counts) {
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

  /** Items a trigger was handed and refused before writing (a bad import row): discovered, and failed. */
  async countRefused(runId: string, refused: number): Promise<void> {
    if (refused <= 0) return;
    await this.transactions.run(async (manager) => {
      await this.addWork(manager, runId, refused, { refreshed: 0, unchanged: 0, failed: refused });
    });
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
    // Only the call that failed it publishes: one event per change.
    if ((result.affected ?? 0) === 0) return;
    const run = await this.get(runId);
    if (!run) return;
    this.events.runChanged(run);
    this.logEnd(run);
  }

  /**
   * Ends the runs whose work is done, then publishes the progress of those still running and
   * the end of those this call ended. A run someone else already ended is not published again
   * (two workers settling one run at once would otherwise announce its end twice).
   */
  async settle(runIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(runIds)];
    if (ids.length === 0) return;
    const ended = new Set<string>();
    // One conditional UPDATE per run, each atomic on its own: no transaction needed. It reads
    // the queue rows a worker's settling transaction may be deleting, and that transaction then
    // updates the run's counts: InnoDB can pick this statement as the deadlock victim (a poll's
    // end of discovery failed on it in a 100,000-member bench run), and it is simply run again.
    for (const runId of ids) {
      await this.transactions.autocommitRetrying(async (manager) => {
        const linked = manager
          .createQueryBuilder()
          .subQuery()
          .select("1")
          .from(RefreshQueueRunEntity, "l")
          .where("l.run_id = :runId")
          .getQuery();
        const queued = manager
          .createQueryBuilder()
          .subQuery()
          .select("1")
          .from(RefreshQueueEntity, "q")
          .where("q.run_id = :runId")
          .getQuery();
        const result = await manager
          .createQueryBuilder()
          .update(SyncRunEntity)
          .set({
            status: () => "CASE WHEN failed = 0 THEN 'SUCCEEDED' WHEN refreshed + unchanged > 0 THEN 'PARTIAL' ELSE 'FAILED' END",
            finishedAt: this.clock.now(),
          })
          .where(`id = :runId AND status = 'RUNNING' AND discovering = :no AND NOT EXISTS ${queued} AND NOT EXISTS ${linked}`, {
            runId,
            no: false,
          })
          .execute();
        if ((result.affected ?? 0) > 0) ended.add(runId);
      });
    }
    for (const runId of ids) {
      const run = await this.get(runId);
      if (!run || (run.status !== "RUNNING" && !ended.has(runId))) continue;
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

  /**
   * The runs still going, newest first: not those whose discovering process died (until the
   * leader's maintenance fails them, they are going nowhere).
   */
  async running(limit = 50): Promise<SyncRunSnapshot[]> {
    const rows = await this.dataSource
      .getRepository(SyncRunEntity)
      .find({ where: { status: "RUNNING" }, order: { startedAt: "DESC" }, take: limit });
    const abandoned = await this.abandonedAmong(rows);
    return rows.filter((row) => !abandoned.has(row.id)).map(toSnapshot);
  }

  /** Fails the runs whose process died while it was still discovering their work. */
  async failAbandoned(): Promise<number> {
    const rows = await this.dataSource.getRepository(SyncRunEntity).find({ where: { status: "RUNNING", discovering: true } });
    const abandoned = await this.abandonedAmong(rows);
    for (const runId of abandoned)
      await this.failRun(runId, "the process discovering this run stopped before it finished (its lease ran out)");
    return abandoned.size;
  }

  private async abandonedAmong(rows: SyncRunEntity[]): Promise<Set<string>> {
    const owned = rows.filter((row) => row.discovering && row.owner !== null);
    if (owned.length === 0) return new Set();
    const alive = await this.liveOwners([...new Set(owned.map((row) => row.owner!))]);
    return new Set(owned.filter((row) => !alive.has(row.owner!)).map((row) => row.id));
  }

  async get(runId: string): Promise<SyncRunSnapshot | undefined> {
    const run = await this.dataSource.getRepository(SyncRunEntity).findOneBy({ id: runId });
    return run ? toSnapshot(run) : undefined;
  }
}
