import type { EntityManager } from "typeorm";
import { chunks, insertMany } from "../db/bulk-writes";
import { RefreshFailureEntity, RefreshQueueEntity } from "../db/entities";
import type { Clock } from "../time/clock";
import {
  decideRefreshFailure,
  type RefreshDecision,
  type RefreshFailure,
  RefreshFailureCode,
  type RefreshPolicySettings,
} from "./refresh-policy";

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
  policy: RefreshPolicySettings;
}

export interface ClaimedRow {
  memberKey: string;
  /** Attempts counted, this claim included. */
  attempts: number;
  /** The newest AMS change time listed for this member, if a poll listed one. */
  listedAt: Date | null;
}

/** A claim's result: rows leased to the claimer, and rows whose lost leases used up their attempts. */
export interface Claim {
  claimed: ClaimedRow[];
  deadLettered: string[];
}

/** A failure of one member the caller holds. */
export interface MemberFailure {
  memberKey: string;
  failure: RefreshFailure;
}

interface DueRow {
  memberKey: string;
  attempts: number;
  listedAt: Date | null;
  /** A lease was set and ran out: whoever held the row never settled it. */
  leaseLost: boolean;
}

/**
 * The durable refresh queue (DESIGN §4.2). Rows coalesce per member key; claims take a lease
 * (MySQL: FOR UPDATE SKIP LOCKED, so workers in any process never take the same member).
 * Every change happens inside the caller's write transaction, so a crash leaves either the old
 * state or the new one, never half; what a failure means is decided by the refresh policy.
 */
export class RefreshQueue {
  constructor(
    private readonly clock: Clock,
    private readonly settings: QueueSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Queues `keys` inside the caller's transaction, one multi-row upsert per thousand keys. A key
   * already queued keeps one row: the higher priority wins, a backed-off row becomes due now, a
   * row a worker holds is flagged to be refreshed once more after that worker finishes, and the
   * newest AMS change time listed for it is kept.
   */
  async enqueue(
    manager: EntityManager,
    keys: readonly string[],
    reason: RefreshReason,
    listedAt: ReadonlyMap<string, Date> = new Map(),
  ): Promise<void> {
    const now = this.clock.now();
    for (const part of chunks([...new Set(keys)], 1_000)) await this.upsertRows(manager, part, reason, now, listedAt);
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

  /**
   * Leases up to `limit` due rows to `owner`, highest priority first, inside the caller's
   * transaction. A row whose previous lease ran out counts that lost claim as an attempt, so a
   * member that no worker ever finishes (a crash it causes, an AMS slower than the lease) ends
   * in the dead letters after `maxAttempts` instead of being claimed forever.
   */
  async claim(manager: EntityManager, dialect: "mysql" | "sqlite", owner: string, limit: number): Promise<Claim> {
    const now = this.clock.now();
    const due = await this.selectDue(manager, dialect, now, limit);
    const dead: Array<{ memberKey: string; decision: RefreshDecision }> = [];
    const take: DueRow[] = [];
    for (const row of due) {
      const decision = row.leaseLost ? this.decide({ kind: "lease-lost" }, row.attempts) : undefined;
      if (decision?.action === "dead-letter") dead.push({ memberKey: row.memberKey, decision });
      else take.push(row);
    }
    const deadLettered = await this.deadLetter(manager, null, dead);
    const lease = { leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + this.settings.leaseMs), attempts: () => "attempts + 1" };
    for (const [lost, rows] of [
      [false, take.filter((row) => !row.leaseLost)],
      [true, take.filter((row) => row.leaseLost)],
    ] as const) {
      if (rows.length === 0) continue;
      const lastError = lost
        ? { lastErrorCode: RefreshFailureCode.LEASE_LOST, lastError: "the previous claim's lease ran out before it finished" }
        : {};
      await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({ ...lease, ...lastError })
        .where("memberKey IN (:...keys)", { keys: rows.map((row) => row.memberKey) })
        .execute();
    }
    return { claimed: take.map(({ memberKey, attempts, listedAt }) => ({ memberKey, attempts: attempts + 1, listedAt })), deadLettered };
  }

  /**
   * MySQL: walk the claim index in order (forced: on a small table the planner may prefer a scan
   * and a sort, which would lock every due row, not just the ones handed out) and skip rows other
   * workers hold. SQLite serves one process whose transactions are already serialized.
   */
  private async selectDue(manager: EntityManager, dialect: "mysql" | "sqlite", now: Date, limit: number): Promise<DueRow[]> {
    const where = "next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)";
    const order = "ORDER BY priority ASC, next_attempt_at ASC";
    const columns = "member_key, attempts, source_updated_at, lease_expires_at";
    const sql =
      dialect === "mysql"
        ? `SELECT ${columns} FROM refresh_queue FORCE INDEX (idx_refresh_queue_claim) WHERE ${where} ${order} LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED`
        : `SELECT ${columns} FROM refresh_queue WHERE ${where} ${order} LIMIT ${Math.trunc(limit)}`;
    const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, { now });
    const rows: Array<{
      member_key: string;
      attempts: number | string;
      source_updated_at: Date | string | null;
      lease_expires_at: unknown;
    }> = await manager.query(query, parameters);
    return rows.map((row) => ({
      memberKey: row.member_key,
      attempts: Number(row.attempts),
      listedAt: row.source_updated_at === null ? null : toInstant(row.source_updated_at),
      leaseLost: row.lease_expires_at !== null,
    }));
  }

  /** Extends the leases `owner` still holds on `keys`: the AMS is still answering for them. */
  async renew(manager: EntityManager, owner: string, keys: readonly string[]): Promise<number> {
    let renewed = 0;
    const leaseExpiresAt = new Date(this.clock.now().getTime() + this.settings.leaseMs);
    for (const part of chunks(keys, 1_000)) {
      const result = await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({ leaseExpiresAt })
        .where("memberKey IN (:...part) AND leaseOwner = :owner AND leaseExpiresAt > :now", { part, owner, now: this.clock.now() })
        .execute();
      renewed += result.affected ?? 0;
    }
    return renewed;
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
   * Refreshed members (all held by `owner`) leave the queue, or, where a change arrived
   * meanwhile (`requeued`), wait once more, due now.
   */
  async complete(manager: EntityManager, owner: string, keys: readonly string[], requeued: ReadonlySet<string> = new Set()): Promise<void> {
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
    for (const part of chunks(again, 1_000)) {
      await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({
          leaseOwner: null,
          leaseExpiresAt: null,
          requeue: false,
          attempts: 0,
          nextAttemptAt: this.clock.now(),
          lastError: null,
          lastErrorCode: null,
        })
        .where("memberKey IN (:...part) AND leaseOwner = :owner", { part, owner })
        .execute();
    }
  }

  /**
   * Failed refreshes of members `owner` holds, each settled as the refresh policy decides: back
   * off, hold uncounted, or move to refresh_failures. Returns the keys dead-lettered.
   */
  async fail(
    manager: EntityManager,
    owner: string,
    failures: readonly MemberFailure[],
    attempts: ReadonlyMap<string, number>,
  ): Promise<string[]> {
    const decided = failures.map((entry) => ({
      memberKey: entry.memberKey,
      decision: this.decide(entry.failure, attempts.get(entry.memberKey) ?? 1),
    }));
    for (const { memberKey, decision } of decided) {
      if (decision.action === "back-off")
        await this.reschedule(manager, owner, [memberKey], decision.at, decision.code, decision.message, false);
    }
    const held = decided.filter((entry) => entry.decision.action === "hold");
    for (const group of groupBy(held, (entry) => JSON.stringify(entry.decision))) {
      const decision = group[0]!.decision as Extract<RefreshDecision, { action: "hold" }>;
      await this.reschedule(
        manager,
        owner,
        group.map((entry) => entry.memberKey),
        decision.until,
        decision.code,
        decision.message,
        true,
      );
    }
    return this.deadLetter(
      manager,
      owner,
      decided.filter((entry) => entry.decision.action === "dead-letter"),
    );
  }

  private decide(failure: RefreshFailure, attempts: number): RefreshDecision {
    return decideRefreshFailure(failure, { attempts, now: this.clock.now(), settings: this.settings.policy, random: this.random });
  }

  /** Gives rows back to wait until `at`; `uncounted` takes back the attempt their claim counted. */
  private async reschedule(
    manager: EntityManager,
    owner: string,
    keys: readonly string[],
    at: Date,
    code: RefreshFailureCode,
    message: string,
    uncounted: boolean,
  ): Promise<void> {
    for (const part of chunks(keys, 400)) {
      await manager
        .createQueryBuilder()
        .update(RefreshQueueEntity)
        .set({
          leaseOwner: null,
          leaseExpiresAt: null,
          nextAttemptAt: at,
          ...(uncounted ? { attempts: () => "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END" } : {}),
          lastErrorCode: code,
          lastError: message.slice(0, 2_000),
        })
        .where("memberKey IN (:...part) AND leaseOwner = :owner", { part, owner })
        .execute();
    }
  }

  /** Moves rows to refresh_failures (`owner` null: rows the caller has locked, whoever leased them). */
  private async deadLetter(
    manager: EntityManager,
    owner: string | null,
    entries: ReadonlyArray<{ memberKey: string; decision: RefreshDecision }>,
  ): Promise<string[]> {
    if (entries.length === 0) return [];
    const now = this.clock.now();
    const deadKeys = entries.map((entry) => entry.memberKey);
    const rows = await manager.createQueryBuilder(RefreshQueueEntity, "q").where("q.memberKey IN (:...deadKeys)", { deadKeys }).getMany();
    const byKey = new Map(rows.map((row) => [row.memberKey, row]));
    await insertMany(
      manager,
      RefreshFailureEntity,
      entries.map(({ memberKey, decision }) => {
        const dead = decision as Extract<RefreshDecision, { action: "dead-letter" }>;
        return {
          memberKey,
          reason: byKey.get(memberKey)?.reason ?? "PERIODIC",
          attempts: byKey.get(memberKey)?.attempts ?? this.settings.policy.maxAttempts,
          errorCode: dead.code,
          lastError: dead.message.slice(0, 2_000),
          enqueuedAt: byKey.get(memberKey)?.enqueuedAt ?? now,
          failedAt: now,
        };
      }),
      { update: ["reason", "attempts", "errorCode", "lastError", "failedAt"], keys: ["memberKey"] },
    );
    const remove = manager.createQueryBuilder().delete().from(RefreshQueueEntity).where("memberKey IN (:...deadKeys)", { deadKeys });
    if (owner !== null) remove.andWhere("leaseOwner = :owner", { owner });
    await remove.execute();
    return deadKeys;
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return [...groups.values()];
}

/** A datetime as a raw query returns it: a Date from MySQL, UTC text from SQLite. */
function toInstant(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(" ", "T")}Z`);
}
