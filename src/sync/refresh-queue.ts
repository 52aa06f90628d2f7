import type { EntityManager } from "typeorm";
import { chunks, deleteKeyed, findWhereIn, insertMany, keyedTable, runNamed as named, runSql, selectKeyed } from "../db/bulk-writes";
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

/** Which runs wait on a queued member: the one on its row, and whether refresh_queue_runs holds more. */
export interface RunRef {
  runId: string | null;
  extraRuns: boolean;
}

export interface ClaimedRow extends RunRef {
  memberKey: string;
  /** Attempts counted, this claim included. */
  attempts: number;
  /** The newest AMS change time listed for this member, if a poll listed one. */
  listedAt: Date | null;
}

/**
 * A claim's result: its token (the lease owner written on every row it took: only this claim
 * can settle them), rows to refresh, and rows whose lost leases used up their attempts (leased
 * to the token, to be dead-lettered with {@link RefreshQueue.deadLetterLost}).
 */
export interface Claim {
  token: string;
  claimed: ClaimedRow[];
  exhausted: Array<{ row: ClaimedRow; decision: RefreshDecision }>;
}

/** What queueing keys for a run found: how many now wait for it on their own row, and those queued by others. */
export interface Enqueued {
  adopted: number;
  /** Rows another run (or a refresh in flight) already holds: the run waits on them through a link. */
  others: string[];
}

/** A failure of one member the caller holds. */
export interface MemberFailure {
  memberKey: string;
  failure: RefreshFailure;
}

const LEASE_LOST_MESSAGE = "the previous claim's lease ran out before it finished";

/**
 * The durable refresh queue (DESIGN §4.2). Rows coalesce per member key; claims take a lease
 * (MySQL: FOR UPDATE SKIP LOCKED, so workers in any process never take the same member).
 * Every change happens inside the caller's write transaction, so a crash leaves either the old
 * state or the new one, never half; what a failure means is decided by the refresh policy.
 */
export class RefreshQueue {
  /** Claims made by this process: with the owner, a token no other claim ever had. */
  private claims = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: QueueSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Queues `keys` inside the caller's transaction, one multi-row upsert per thousand keys. A key
   * already queued keeps one row: the higher priority wins, a backed-off row becomes due now, a
   * row a worker holds is flagged to be refreshed once more after that worker finishes, and the
   * newest AMS change time listed for it is kept. With `runId`, a new row (or a free one no run
   * waits on) carries the run; rows another run or a claim holds are returned in `others`, for
   * the run to wait on through a link, and flagged so their settling answers the links too.
   */
  async enqueue(
    manager: EntityManager,
    keys: readonly string[],
    reason: RefreshReason,
    listedAt: ReadonlyMap<string, Date> = new Map(),
    runId: string | null = null,
  ): Promise<Enqueued> {
    const now = this.clock.now();
    const result: Enqueued = { adopted: 0, others: [] };
    for (const part of chunks([...new Set(keys)], 1_000)) {
      if (runId !== null) {
        const found = await this.existing(manager, part);
        for (const key of part) {
          const row = found.get(key);
          if (!row) result.adopted += 1;
          else if (row.runId === runId) continue;
          else if (row.runId === null && row.leaseOwner === null) result.adopted += 1;
          else result.others.push(key);
        }
      }
      await this.upsertRows(manager, part, reason, now, listedAt, runId);
    }
    return result;
  }

  /** Which of `keys` have a row (of any state), read without locking. */
  async present(manager: EntityManager, keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks([...new Set(keys)], 1_000)) {
      const { sql, values } = selectKeyed(manager, ["member_key"], "refresh_queue", "member_key", part, { lock: false });
      for (const row of (await runSql(manager, sql, values)).rows) found.add(row.member_key as string);
    }
    return found;
  }

  /**
   * The queue rows of `keys` as they are now, locked on MySQL until the transaction ends, so the
   * upsert that follows sees the same rows (a claim or another run cannot slip in between).
   */
  private async existing(
    manager: EntityManager,
    keys: string[],
  ): Promise<Map<string, { runId: string | null; leaseOwner: string | null }>> {
    const { sql, values } = selectKeyed(manager, ["member_key", "run_id", "lease_owner"], "refresh_queue", "member_key", keys, {
      lock: true,
    });
    const { rows } = await runSql(manager, sql, values);
    return new Map(
      rows.map((row) => [
        row.member_key as string,
        { runId: (row.run_id as string | null) ?? null, leaseOwner: (row.lease_owner as string | null) ?? null },
      ]),
    );
  }

  /** One multi-row upsert; the merge rules are SQL so concurrent enqueuers cannot lose one. */
  private async upsertRows(
    manager: EntityManager,
    keys: string[],
    reason: RefreshReason,
    now: Date,
    listedAt: ReadonlyMap<string, Date>,
    runId: string | null,
  ): Promise<void> {
    const mysql = manager.connection.driver.options.type !== "sqljs";
    const parameters: Record<string, unknown> = { reason, priority: REFRESH_PRIORITY[reason], now, yes: true, no: false, run: runId };
    const rows = keys.map((key, index) => {
      parameters[`k${index}`] = key;
      parameters[`t${index}`] = listedAt.get(key) ?? null;
      return `(:k${index}, :reason, :priority, 0, :now, :no, :now, :t${index}, :run, :no)`;
    });
    const incoming = (column: string) => (mysql ? `VALUES(${column})` : `excluded.${column}`);
    const least = mysql ? "LEAST" : "MIN";
    const greatest = mysql ? "GREATEST" : "MAX";
    // A free row (no run, no claim) takes the run; one that has another run, or a claim, keeps
    // its run and is flagged: the new run waits through a link (see RunLedger.link).
    const free = "run_id IS NULL AND lease_owner IS NULL";
    const runMerge =
      runId === null
        ? []
        : [
            `extra_runs = CASE WHEN run_id = :run OR (${free}) THEN extra_runs ELSE :yes END`,
            `run_id = CASE WHEN ${free} THEN :run ELSE run_id END`,
          ];
    // `reason` first: MySQL assigns left to right, and it must compare against the old priority;
    // `extra_runs` before `run_id` for the same reason.
    const merge = [
      `reason = CASE WHEN priority > ${incoming("priority")} THEN ${incoming("reason")} ELSE reason END`,
      `priority = ${least}(priority, ${incoming("priority")})`,
      `next_attempt_at = ${least}(next_attempt_at, ${incoming("next_attempt_at")})`,
      `requeue = CASE WHEN lease_expires_at > ${incoming("enqueued_at")} THEN :yes ELSE requeue END`,
      `source_updated_at = COALESCE(${greatest}(source_updated_at, ${incoming("source_updated_at")}), source_updated_at, ${incoming("source_updated_at")})`,
      ...runMerge,
    ].join(", ");
    const sql =
      "INSERT INTO refresh_queue (member_key, reason, priority, attempts, next_attempt_at, requeue, enqueued_at, source_updated_at, run_id, extra_runs) " +
      `VALUES ${rows.join(", ")} ` +
      (mysql ? `ON DUPLICATE KEY UPDATE ${merge}` : `ON CONFLICT (member_key) DO UPDATE SET ${merge}`);
    await named(manager, sql, parameters);
  }

  /**
   * Leases up to `limit` due rows to a new claim of `owner`, highest priority first, inside the
   * caller's transaction, and returns what it took. A row whose previous lease ran out counts
   * that lost claim as an attempt, so a member that no worker ever finishes (a crash it causes,
   * an AMS slower than the lease) ends in the dead letters after `maxAttempts` instead of being
   * claimed forever: those come back in `exhausted`, leased to the claim.
   */
  async claim(manager: EntityManager, owner: string, limit: number): Promise<Claim> {
    const now = this.clock.now();
    this.claims += 1;
    const token = `${owner}#${this.claims}`;
    const mysql = manager.connection.driver.options.type !== "sqljs";
    const rows = mysql ? await this.takeLocked(manager, token, now, limit) : await this.takeReturning(manager, token, now, limit);
    const claimed: ClaimedRow[] = [];
    const exhausted: Claim["exhausted"] = [];
    for (const raw of rows) {
      const row: ClaimedRow = {
        memberKey: raw.member_key as string,
        attempts: Number(raw.attempts) + 1,
        listedAt: raw.source_updated_at === null ? null : toInstant(raw.source_updated_at as Date | string),
        runId: (raw.run_id as string | null) ?? null,
        extraRuns: Boolean(Number(raw.extra_runs)),
      };
      // The lost claims so far: the attempts counted before this one.
      const decision = raw.lease_lost ? this.decide({ kind: "lease-lost" }, row.attempts - 1) : undefined;
      if (decision?.action === "dead-letter") exhausted.push({ row, decision });
      else claimed.push(row);
    }
    return { token, claimed, exhausted };
  }

  /**
   * How many rows are due and free, counting no further than `cap`, read without locking or a
   * transaction: an idle worker asks this first, so finding nothing to do costs one statement,
   * not a transaction of three, and a worker facing a backlog knows to claim more at once.
   */
  async dueCount(manager: EntityManager, cap: number): Promise<number> {
    const now = this.clock.now();
    const { rows } = await named(
      manager,
      "SELECT COUNT(*) AS due FROM (SELECT 1 AS one FROM refresh_queue WHERE next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now) " +
        `LIMIT ${Math.max(1, Math.trunc(cap))}) AS due_rows`,
      { now },
    );
    return Number(rows[0]?.due ?? 0);
  }

  /**
   * MySQL: walk the claim index in order (forced: on a small table the planner may prefer a
   * scan and a sort, which would lock every due row, not just the ones handed out), skip rows
   * other workers hold or are settling, and lease what was read in one UPDATE. One statement
   * alone (UPDATE … ORDER BY … LIMIT) was measured and dropped: walking a secondary index, it
   * waits for every row another worker's settling transaction holds, where SKIP LOCKED passes.
   * Only the rows of the first one's priority are leased ({@link onePriority}).
   */
  private async takeLocked(manager: EntityManager, token: string, now: Date, limit: number): Promise<Array<Record<string, unknown>>> {
    const select =
      "SELECT member_key, attempts, source_updated_at, run_id, extra_runs, lease_expires_at, priority FROM refresh_queue FORCE INDEX (idx_refresh_queue_claim) " +
      "WHERE next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?) " +
      `ORDER BY priority ASC, next_attempt_at ASC LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED`;
    const rows = onePriority((await runSql(manager, select, [now, now])).rows);
    if (rows.length === 0) return [];
    for (const row of rows) row.lease_lost = row.lease_expires_at !== null;
    await named(
      manager,
      `UPDATE ${keyedTable(manager, "refresh_queue")} SET ${this.leaseAssignments()} WHERE member_key IN (:...keys)`,
      this.leaseParameters(token, now, { keys: rows.map((row) => row.member_key) }),
    );
    return rows;
  }

  /**
   * SQLite serves one process whose statements are already serialized: one UPDATE leases the
   * due rows of the highest priority due and returns them (in no particular order, so they are
   * sorted here).
   */
  private async takeReturning(manager: EntityManager, token: string, now: Date, limit: number): Promise<Array<Record<string, unknown>>> {
    const isDue = "next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)";
    const due =
      `SELECT member_key FROM refresh_queue WHERE ${isDue} AND priority = (SELECT MIN(priority) FROM refresh_queue WHERE ${isDue}) ` +
      `ORDER BY priority ASC, next_attempt_at ASC LIMIT ${Math.trunc(limit)}`;
    const { rows } = await named(
      manager,
      `UPDATE refresh_queue SET ${this.leaseAssignments()} WHERE member_key IN (${due}) ` +
        "RETURNING member_key, attempts - 1 AS attempts, source_updated_at, run_id, extra_runs, last_error_code, priority, next_attempt_at",
      this.leaseParameters(token, now, { now }),
    );
    for (const row of rows) row.lease_lost = row.last_error_code === RefreshFailureCode.LEASE_LOST;
    const order = (row: Record<string, unknown>) => `${String(row.priority).padStart(4, "0")} ${String(row.next_attempt_at)}`;
    return rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  /**
   * A lost lease is marked on the row (LEASE_LOST) before the lease is overwritten: MySQL
   * assigns left to right, SQLite reads every old value.
   */
  private leaseAssignments(): string {
    return [
      "last_error_code = CASE WHEN lease_expires_at IS NULL THEN last_error_code ELSE :lostCode END",
      "last_error = CASE WHEN lease_expires_at IS NULL THEN last_error ELSE :lostMessage END",
      "lease_owner = :token",
      "lease_expires_at = :expires",
      "attempts = attempts + 1",
    ].join(", ");
  }

  private leaseParameters(token: string, now: Date, extra: Record<string, unknown>): Record<string, unknown> {
    return {
      ...extra,
      token,
      expires: new Date(now.getTime() + this.settings.leaseMs),
      lostCode: RefreshFailureCode.LEASE_LOST,
      lostMessage: LEASE_LOST_MESSAGE,
    };
  }

  /** Moves a claim's exhausted rows (their leases kept running out) to refresh_failures. */
  deadLetterLost(manager: EntityManager, token: string, exhausted: Claim["exhausted"]): Promise<string[]> {
    return this.deadLetter(
      manager,
      token,
      // The claim that found them exhausted is not an attempt: it only counted the lost ones.
      exhausted.map(({ row, decision }) => ({ memberKey: row.memberKey, decision, attempts: row.attempts - 1 })),
    );
  }

  /** Extends the leases `owner` still holds on `keys`: the AMS is still answering for them. */
  async renew(manager: EntityManager, owner: string, keys: readonly string[]): Promise<number> {
    let renewed = 0;
    const leaseExpiresAt = new Date(this.clock.now().getTime() + this.settings.leaseMs);
    for (const part of chunks(keys, 1_000)) {
      const result = await named(
        manager,
        `UPDATE ${keyedTable(manager, "refresh_queue")} SET lease_expires_at = :leaseExpiresAt ` +
          "WHERE member_key IN (:...part) AND lease_owner = :owner AND lease_expires_at > :now",
        { leaseExpiresAt, part, owner, now: this.clock.now() },
      );
      renewed += result.affected;
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
  ): Promise<Map<string, OwnedRow>> {
    const owned = new Map<string, OwnedRow>();
    for (const part of chunks(keys, 1_000)) {
      const columns = ["member_key", "requeue", "run_id", "extra_runs"];
      const options = { condition: "lease_owner = ?", conditionValues: [owner], lock: dialect === "mysql" };
      const { sql, values } = selectKeyed(manager, columns, "refresh_queue", "member_key", part, options);
      const { rows } = await runSql(manager, sql, values);
      for (const row of rows) {
        owned.set(row.member_key as string, {
          requeue: Boolean(Number(row.requeue)),
          runId: (row.run_id as string | null) ?? null,
          extraRuns: Boolean(Number(row.extra_runs)),
        });
      }
    }
    return owned;
  }

  /**
   * The usual settling of refreshed members, and the ownership check in one: deletes the rows
   * of `keys` this claim (`owner`: its token) still holds, when none of them changed meanwhile
   * or has further runs waiting. True when every one was deleted; false when any was not (a
   * lost lease, a change that arrived, another run): the caller rolls back and settles the
   * batch row by row ({@link lockOwned}, {@link complete}).
   */
  async settleClaimed(manager: EntityManager, owner: string, keys: readonly string[]): Promise<boolean> {
    const { driver } = manager.connection;
    const no = driver.options.type === "sqljs" ? 0 : false;
    let deleted = 0;
    for (const part of chunks(keys, 1_000)) {
      const { sql, values } = deleteKeyed(
        manager,
        "refresh_queue",
        "member_key",
        part,
        "lease_owner = ? AND requeue = ? AND extra_runs = ?",
        [owner, no, no],
      );
      deleted += (await runSql(manager, sql, values)).affected;
    }
    return deleted === keys.length;
  }

  /**
   * Refreshed members (all held by `owner`) leave the queue, or, where a change arrived
   * meanwhile (`requeued`), wait once more, due now.
   */
  async complete(manager: EntityManager, owner: string, keys: readonly string[], requeued: ReadonlySet<string> = new Set()): Promise<void> {
    const done = keys.filter((key) => !requeued.has(key));
    const again = keys.filter((key) => requeued.has(key));
    for (const part of chunks(done, 1_000)) {
      const { sql, values } = deleteKeyed(manager, "refresh_queue", "member_key", part, "lease_owner = ?", [owner]);
      await runSql(manager, sql, values);
    }
    for (const part of chunks(again, 1_000)) {
      await named(
        manager,
        `UPDATE ${keyedTable(manager, "refresh_queue")} SET lease_owner = NULL, lease_expires_at = NULL, requeue = :no, attempts = 0, ` +
          // This refresh answered the run on the row; the next answers only the links left.
          "next_attempt_at = :now, last_error = NULL, last_error_code = NULL, run_id = NULL " +
          "WHERE member_key IN (:...part) AND lease_owner = :owner",
        { part, owner, no: false, now: this.clock.now() },
      );
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
    const uncount = uncounted ? "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, " : "";
    for (const part of chunks(keys, 1_000)) {
      await named(
        manager,
        `UPDATE ${keyedTable(manager, "refresh_queue")} SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = :at, ${uncount}` +
          "last_error_code = :code, last_error = :message WHERE member_key IN (:...part) AND lease_owner = :owner",
        { part, owner, at, code, message: message.slice(0, 2_000) },
      );
    }
  }

  /** Moves rows to refresh_failures (`owner` null: rows the caller has locked, whoever leased them). */
  private async deadLetter(
    manager: EntityManager,
    owner: string | null,
    entries: ReadonlyArray<{ memberKey: string; decision: RefreshDecision; attempts?: number }>,
  ): Promise<string[]> {
    if (entries.length === 0) return [];
    const now = this.clock.now();
    const deadKeys = entries.map((entry) => entry.memberKey);
    const rows = await findWhereIn(manager, RefreshQueueEntity, "memberKey", deadKeys, ["memberKey", "reason", "attempts", "enqueuedAt"]);
    const byKey = new Map(rows.map((row) => [row.memberKey, row]));
    await insertMany(
      manager,
      RefreshFailureEntity,
      entries.map(({ memberKey, decision, attempts }) => {
        const dead = decision as Extract<RefreshDecision, { action: "dead-letter" }>;
        return {
          memberKey,
          reason: byKey.get(memberKey)?.reason ?? "PERIODIC",
          attempts: attempts ?? byKey.get(memberKey)?.attempts ?? this.settings.policy.maxAttempts,
          errorCode: dead.code,
          lastError: dead.message.slice(0, 2_000),
          enqueuedAt: byKey.get(memberKey)?.enqueuedAt ?? now,
          failedAt: now,
        };
      }),
      { update: ["reason", "attempts", "errorCode", "lastError", "failedAt"], keys: ["memberKey"] },
    );
    for (const part of chunks(deadKeys, 1_000)) {
      const { sql, values } =
        owner === null
          ? deleteKeyed(manager, "refresh_queue", "member_key", part)
          : deleteKeyed(manager, "refresh_queue", "member_key", part, "lease_owner = ?", [owner]);
      await runSql(manager, sql, values);
    }
    return deadKeys;
  }
}

/** A row the settling claim still holds, as {@link RefreshQueue.lockOwned} found it. */
export interface OwnedRow extends RunRef {
  requeue: boolean;
}

/**
 * Of due rows in claim order, those of the first one's priority: a claim never mixes priorities,
 * so a sign-on's refresh queued during a backlog is fetched in a batch of its own rather than
 * behind a backlog batch of up to REFRESH_BACKLOG_BATCH_SIZE members.
 */
function onePriority(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const first = rows[0]?.priority;
  return rows.filter((row) => Number(row.priority) === Number(first));
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
