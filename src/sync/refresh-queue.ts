import type { EntityManager } from "typeorm";
import { chunks, insertMany } from "../db/bulk-writes";
import { RefreshFailureEntity, RefreshQueueEntity, RefreshQueueRunEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Clock } from "../time/clock";

/**
 * Why a member is queued; the priority decides who goes first (DESIGN §4.2: login > manual >
 * push > periodic). Lower runs first, so claims read the (priority, next_attempt_at) index in
 * ascending order: no sort, and SKIP LOCKED locks only the rows it hands out.
 */
export const REFRESH_PRIORITY = {
  LOGIN: 10,
  MANUAL: 20,
  COMMUNITY: 25,
  RETRY: 30,
  PUSH: 40,
  PERIODIC: 60,
  FULL: 80,
} as const;
export type RefreshReason = keyof typeof REFRESH_PRIORITY;

export interface QueueSettings {
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface ClaimedRow {
  memberKey: string;
  attempts: number;
  /** The newest AMS change time listed for this member, if a poll listed one. */
  listedAt: Date | null;
}

/** What one batch did to each sync run's counts. */
export type RunCredits = Map<string, { refreshed: number; unchanged: number; failed: number }>;

export interface FailedKey {
  memberKey: string;
  errorCode: string;
  message: string;
}

/**
 * The durable refresh queue (DESIGN §4.2). Rows coalesce per member key; claims take a lease
 * (MySQL: FOR UPDATE SKIP LOCKED, so workers in any process never take the same member);
 * completion, back-off and dead-lettering happen inside the caller's write transaction, so a
 * crash leaves either the old state or the new one, never half.
 */
export class RefreshQueue {
  constructor(
    private readonly clock: Clock,
    private readonly settings: QueueSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Queues `keys` for `runId` inside the caller's transaction. A key already queued keeps one
   * row: the higher priority wins, a backed-off row becomes due now, a row a worker holds is
   * flagged to be refreshed once more after that worker finishes, and the newest AMS change
   * time listed for it is kept. Returns how many of the keys were newly put in `runId`'s share
   * (a key queued twice for one run counts once).
   */
  async enqueue(
    manager: EntityManager,
    keys: readonly string[],
    reason: RefreshReason,
    runId: string | null,
    listedAt: ReadonlyMap<string, Date> = new Map(),
  ): Promise<number> {
    const now = this.clock.now();
    let linked = 0;
    for (const part of chunks([...new Set(keys)], 1_000)) {
      await this.upsertRows(manager, part, reason, now, listedAt);
      if (runId === null) {
        linked += part.length;
        continue;
      }
      linked += await this.linkToRun(manager, part, runId, now);
    }
    return linked;
  }

  /**
   * Links queued members to a run in one statement; a member a worker holds right now waits for
   * the next refresh (after_lease). Returns how many links are new.
   */
  private async linkToRun(manager: EntityManager, keys: string[], runId: string, now: Date): Promise<number> {
    const mysql = manager.connection.driver.options.type !== "sqljs";
    const parameters: Record<string, unknown> = { runId, now, yes: true, no: false };
    keys.forEach((key, index) => (parameters[`k${index}`] = key));
    const sql =
      `${mysql ? "INSERT IGNORE" : "INSERT OR IGNORE"} INTO refresh_queue_runs (member_key, run_id, after_lease) ` +
      "SELECT member_key, :runId, CASE WHEN lease_expires_at > :now THEN :yes ELSE :no END FROM refresh_queue " +
      `WHERE member_key IN (${keys.map((_, index) => `:k${index}`).join(", ")})`;
    const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
    const result = await manager.queryRunner!.query(query, values, true);
    return result.affected ?? 0;
  }

  /** One multi-row upsert; the merge rules are SQL so concurrent enqueuers cannot lose one. */
  private async upsertRows(
    manager: EntityManager,
    keys: string[],
    reason: RefreshReason,
    now: Date,
    listedAt: ReadonlyMap<string, Date>,
  ): Promise<void> {
    const mysql = manager.connection.driver.options.type !== "sqljs";
    const parameters: Record<string, unknown> = { reason, priority: REFRESH_PRIORITY[reason], now, yes: true, no: false };
    const rows = keys.map((key, index) => {
      parameters[`k${index}`] = key;
      parameters[`t${index}`] = listedAt.get(key) ?? null;
      return `(:k${index}, :reason, :priority, 0, :now, :no, :now, :t${index})`;
    });
    const incoming = (column: string) => (mysql ? `VALUES(${column})` : `excluded.${column}`);
    const least = mysql ? "LEAST" : "MIN";
    const greatest = mysql ? "GREATEST" : "MAX";
    // `reason` first: MySQL assigns left to right, and it must compare against the old priority.
    const merge = [
      `reason = CASE WHEN priority > ${incoming("priority")} THEN ${incoming("reason")} ELSE reason END`,
      `priority = ${least}(priority, ${incoming("priority")})`,
      `next_attempt_at = ${least}(next_attempt_at, ${incoming("next_attempt_at")})`,
      `requeue = CASE WHEN lease_expires_at > ${incoming("enqueued_at")} THEN :yes ELSE requeue END`,
      `source_updated_at = COALESCE(${greatest}(source_updated_at, ${incoming("source_updated_at")}), source_updated_at, ${incoming("source_updated_at")})`,
    ].join(", ");
    const sql =
      "INSERT INTO refresh_queue (member_key, reason, priority, attempts, next_attempt_at, requeue, enqueued_at, source_updated_at) " +
      `VALUES ${rows.join(", ")} ` +
      (mysql ? `ON DUPLICATE KEY UPDATE ${merge}` : `ON CONFLICT (member_key) DO UPDATE SET ${merge}`);
    const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
    await manager.query(query, values);
  }

  /** Leases up to `limit` due rows to `owner`, highest priority first. */
  async claim(transactions: TransactionRunner, owner: string, limit: number): Promise<ClaimedRow[]> {
    return transactions.run(async (manager) => {
      const now = this.clock.now();
      const rows = await this.selectDue(manager, transactions.dialect, now, limit);
      if (rows.length === 0) return [];
      const keys = rows.map((row) => row.memberKey);
      await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({
          leaseOwner: owner,
          leaseExpiresAt: new Date(now.getTime() + this.settings.leaseMs),
          attempts: () => "attempts + 1",
        })
        .where("memberKey IN (:...keys)", { keys })
        .execute();
      return rows.map((row) => ({ ...row, attempts: row.attempts + 1 }));
    });
  }

  /**
   * MySQL: walk the claim index in order (forced: on a small table the planner may prefer a scan
   * and a sort, which would lock every due row, not just the ones handed out) and skip rows other
   * workers hold. SQLite serves one process whose transactions are already serialized.
   */
  private async selectDue(manager: EntityManager, dialect: "mysql" | "sqlite", now: Date, limit: number): Promise<ClaimedRow[]> {
    const where = "next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)";
    const order = "ORDER BY priority ASC, next_attempt_at ASC";
    const sql =
      dialect === "mysql"
        ? `SELECT member_key, attempts, source_updated_at FROM refresh_queue FORCE INDEX (idx_refresh_queue_claim) WHERE ${where} ${order} LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED`
        : `SELECT member_key, attempts, source_updated_at FROM refresh_queue WHERE ${where} ${order} LIMIT ${Math.trunc(limit)}`;
    const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, { now });
    const rows: Array<{ member_key: string; attempts: number | string; source_updated_at: Date | string | null }> =
      await manager.query(query, parameters);
    return rows.map((row) => ({
      memberKey: row.member_key,
      attempts: Number(row.attempts),
      listedAt: row.source_updated_at === null ? null : toInstant(row.source_updated_at),
    }));
  }

  /**
   * Of `keys`, those `owner` still holds, locked until the transaction ends, each with whether a
   * change arrived meanwhile. A worker whose lease ran out (it was too slow) must not write over
   * whoever holds the member now.
   */
  async lockOwned(
    manager: EntityManager,
    dialect: "mysql" | "sqlite",
    owner: string,
    keys: readonly string[],
  ): Promise<Map<string, { requeue: boolean }>> {
    if (keys.length === 0) return new Map();
    const query = manager
      .createQueryBuilder(RefreshQueueEntity, "q")
      .select(["q.memberKey", "q.requeue"])
      .where("q.memberKey IN (:...keys) AND q.leaseOwner = :owner", { keys, owner });
    if (dialect === "mysql") query.setLock("pessimistic_write");
    return new Map((await query.getMany()).map((row) => [row.memberKey, { requeue: row.requeue }]));
  }

  /**
   * Done with `outcomes` (all held by `owner`): rows leave the queue, or, where a change arrived
   * meanwhile (`requeued`), wait once more; the runs they belonged to are credited.
   */
  async complete(
    manager: EntityManager,
    owner: string,
    outcomes: Map<string, "refreshed" | "unchanged">,
    requeued: ReadonlySet<string> = new Set(),
  ): Promise<RunCredits> {
    const keys = [...outcomes.keys()];
    const credits: RunCredits = new Map();
    if (keys.length === 0) return credits;
    const done = keys.filter((key) => !requeued.has(key));
    const again = keys.filter((key) => requeued.has(key));
    for (const part of chunks(done, 1_000)) {
      await manager
        .createQueryBuilder()
        .delete()
        .from(RefreshQueueEntity)
        .where("memberKey IN (:...part) AND leaseOwner = :owner", { part, owner })
        .execute();
    }
    if (again.length > 0) {
      await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({ leaseOwner: null, leaseExpiresAt: null, requeue: false, attempts: 0, nextAttemptAt: this.clock.now(), lastError: null, lastErrorCode: null })
        .where("memberKey IN (:...again) AND leaseOwner = :owner", { again, owner })
        .execute();
    }
    for (const [runId, memberKey] of await this.takeRunLinks(manager, keys)) {
      const credit = credits.get(runId) ?? { refreshed: 0, unchanged: 0, failed: 0 };
      credit[outcomes.get(memberKey)!] += 1;
      credits.set(runId, credit);
    }
    return credits;
  }

  /**
   * Failed refreshes: each backs off exponentially (with jitter), and after `maxAttempts` moves
   * to refresh_failures, visible and retryable. Its runs count it as failed.
   */
  async fail(manager: EntityManager, owner: string, failures: FailedKey[], attempts: Map<string, number>): Promise<{ deadLettered: string[]; credits: RunCredits }> {
    const now = this.clock.now();
    const dead = failures.filter((failure) => (attempts.get(failure.memberKey) ?? 0) >= this.settings.maxAttempts);
    const retrying = failures.filter((failure) => !dead.includes(failure));
    for (const failure of retrying) {
      const delayMs = this.backoffMs(attempts.get(failure.memberKey) ?? 1);
      await manager.update(
        RefreshQueueEntity,
        { memberKey: failure.memberKey, leaseOwner: owner },
        {
          leaseOwner: null,
          leaseExpiresAt: null,
          nextAttemptAt: new Date(now.getTime() + delayMs),
          lastErrorCode: failure.errorCode,
          lastError: failure.message.slice(0, 2_000),
        },
      );
    }
    const credits: RunCredits = new Map();
    if (dead.length === 0) return { deadLettered: [], credits };
    const deadKeys = dead.map((failure) => failure.memberKey);
    const rows = await manager
      .createQueryBuilder(RefreshQueueEntity, "q")
      .where("q.memberKey IN (:...deadKeys)", { deadKeys })
      .getMany();
    const byKey = new Map(rows.map((row) => [row.memberKey, row]));
    await insertMany(
      manager,
      RefreshFailureEntity,
      dead.map((failure) => ({
        memberKey: failure.memberKey,
        reason: byKey.get(failure.memberKey)?.reason ?? "PERIODIC",
        attempts: attempts.get(failure.memberKey) ?? this.settings.maxAttempts,
        errorCode: failure.errorCode,
        lastError: failure.message.slice(0, 2_000),
        enqueuedAt: byKey.get(failure.memberKey)?.enqueuedAt ?? now,
        failedAt: now,
      })),
      { update: ["reason", "attempts", "errorCode", "lastError", "failedAt"], keys: ["memberKey"] },
    );
    await manager
      .createQueryBuilder()
      .delete()
      .from(RefreshQueueEntity)
      .where("memberKey IN (:...deadKeys) AND leaseOwner = :owner", { deadKeys, owner })
      .execute();
    for (const [runId] of await this.takeRunLinks(manager, deadKeys, true)) {
      const credit = credits.get(runId) ?? { refreshed: 0, unchanged: 0, failed: 0 };
      credit.failed += 1;
      credits.set(runId, credit);
    }
    return { deadLettered: deadKeys, credits };
  }

  /**
   * Gives rows back without counting the attempt: the AMS as a whole was unreachable, which
   * says nothing about these members. They wait `delayMs` so an outage is not hammered.
   */
  async release(manager: EntityManager, owner: string, keys: readonly string[], delayMs: number, message: string): Promise<void> {
    if (keys.length === 0) return;
    const nextAttemptAt = new Date(this.clock.now().getTime() + delayMs);
    for (const part of chunks(keys, 400)) {
      await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({
          leaseOwner: null,
          leaseExpiresAt: null,
          nextAttemptAt,
          attempts: () => "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END",
          lastErrorCode: "TEMPORARY",
          lastError: message.slice(0, 2_000),
        })
        .where("memberKey IN (:...part) AND leaseOwner = :owner", { part, owner })
        .execute();
    }
  }

  /** Back-off for the n-th failed attempt: base × 2^(n-1), capped, ±20 % jitter. */
  backoffMs(attempt: number): number {
    const exponential = this.settings.backoffBaseMs * 2 ** Math.max(0, attempt - 1);
    const capped = Math.min(this.settings.backoffMaxMs, exponential);
    return Math.round(capped * (0.8 + 0.4 * this.random()));
  }

  /**
   * Removes and returns the run links the current refresh answers. Links made while the row
   * was leased wait for the next refresh; `all` takes them too (the member is leaving the queue).
   */
  private async takeRunLinks(manager: EntityManager, keys: string[], all = false): Promise<Array<[string, string]>> {
    const links: Array<[string, string]> = [];
    for (const part of chunks(keys, 1_000)) {
      const rows = await manager
        .createQueryBuilder(RefreshQueueRunEntity, "l")
        .where("l.memberKey IN (:...part)", { part })
        .getMany();
      const answered = rows.filter((row) => all || !row.afterLease);
      links.push(...answered.map((row): [string, string] => [row.runId, row.memberKey]));
      if (answered.length > 0) {
        const remove = manager.createQueryBuilder().delete().from(RefreshQueueRunEntity).where("memberKey IN (:...part)", { part });
        if (!all) remove.andWhere("afterLease = :no", { no: false });
        await remove.execute();
      }
      if (!all && answered.length < rows.length) {
        // The waiting links now wait for the refresh that follows.
        await manager
          .createQueryBuilder()
          .update(RefreshQueueRunEntity)
          .set({ afterLease: false })
          .where("memberKey IN (:...part)", { part })
          .execute();
      }
    }
    return links;
  }
}

/** A datetime as a raw query returns it: a Date from MySQL, UTC text from SQLite. */
function toInstant(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(" ", "T")}Z`);
}
