import type { EntityManager } from "typeorm";
import { chunks } from "../db/bulk-writes";
import { WritebackOutboxEntity } from "../db/entities/writeback-outbox.entity";
import {
  decideRefreshFailure,
  type RefreshDecision,
  type RefreshFailure,
  RefreshFailureCode,
  type RefreshPolicySettings,
} from "../sync/refresh-policy";
import type { Clock } from "../time/clock";

export interface OutboxSettings {
  leaseMs: number;
  policy: RefreshPolicySettings;
}

/** A row leased to its claimer: send it, then settle it. */
export interface ClaimedSend {
  idempotencyKey: string;
  memberKey: string;
  /** Sends begun, this one included. */
  attempts: number;
}

/** How one row was settled, for the events. */
export type Settled = { idempotencyKey: string; status: "SENT" | "PENDING" | "DEAD" };

/**
 * The writeback outbox's state changes, each inside the caller's transaction (DESIGN §11).
 * Claims lease rows (MySQL: FOR UPDATE SKIP LOCKED), so of any number of dispatchers in any number
 * of processes exactly one sends a row at a time; what a failure means is the refresh policy's to
 * decide, the same function the refresh queue asks.
 */
export class WritebackOutbox {
  constructor(
    private readonly clock: Clock,
    private readonly settings: OutboxSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Leases up to `limit` due rows to `owner`: PENDING rows whose time has come, and SENDING rows
   * whose lease ran out (their sender died or stalled mid-send; the policy counts that lost
   * claim and, once attempts are spent, dead-letters the row instead of sending it again).
   */
  async claim(
    manager: EntityManager,
    dialect: "mysql" | "sqlite",
    owner: string,
    limit: number,
  ): Promise<{ claimed: ClaimedSend[]; settled: Settled[] }> {
    const now = this.clock.now();
    const where = "status IN ('PENDING', 'SENDING') AND next_attempt_at <= :now";
    const order = "ORDER BY status ASC, next_attempt_at ASC";
    const sql =
      dialect === "mysql"
        ? `SELECT idempotency_key, member_key, status, attempts FROM writeback_outbox FORCE INDEX (idx_writeback_outbox_claim) WHERE ${where} ${order} LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED`
        : `SELECT idempotency_key, member_key, status, attempts FROM writeback_outbox WHERE ${where} ${order} LIMIT ${Math.trunc(limit)}`;
    const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, { now });
    const due: Array<{ idempotency_key: string; member_key: string; status: string; attempts: number | string }> = await manager.query(
      query,
      parameters,
    );
    const take: ClaimedSend[] = [];
    const settled: Settled[] = [];
    const lostKeys: string[] = [];
    for (const row of due) {
      const attempts = Number(row.attempts);
      const leaseLost = row.status === "SENDING";
      if (leaseLost) {
        const decision = this.decide({ kind: "lease-lost" }, attempts);
        if (decision.action === "dead-letter") {
          await this.apply(manager, null, row.idempotency_key, decision);
          settled.push({ idempotencyKey: row.idempotency_key, status: "DEAD" });
          continue;
        }
        lostKeys.push(row.idempotency_key);
      }
      take.push({ idempotencyKey: row.idempotency_key, memberKey: row.member_key, attempts: attempts + 1 });
    }
    const leased = {
      status: "SENDING" as const,
      leaseOwner: owner,
      nextAttemptAt: this.leaseEnd(),
      updatedAt: now,
      attempts: () => "attempts + 1",
    };
    for (const part of chunks(
      take.map((row) => row.idempotencyKey),
      400,
    )) {
      await manager
        .createQueryBuilder()
        .update(WritebackOutboxEntity)
        .set(leased)
        .where("idempotencyKey IN (:...part)", { part })
        .execute();
    }
    for (const part of chunks(lostKeys, 400)) {
      await manager
        .createQueryBuilder()
        .update(WritebackOutboxEntity)
        .set({ lastErrorCode: RefreshFailureCode.LEASE_LOST, lastError: "the previous send's lease ran out before it was settled" })
        .where("idempotencyKey IN (:...part)", { part })
        .execute();
    }
    return { claimed: take, settled };
  }

  /** Extends `owner`'s leases on `keys`: the AMS is still answering for them. */
  async renew(manager: EntityManager, owner: string, keys: readonly string[]): Promise<void> {
    for (const part of chunks(keys, 400)) {
      await manager
        .createQueryBuilder()
        .update(WritebackOutboxEntity)
        .set({ nextAttemptAt: this.leaseEnd() })
        .where("idempotencyKey IN (:...part) AND leaseOwner = :owner AND status = :sending", { part, owner, sending: "SENDING" })
        .execute();
    }
  }

  /**
   * The AMS took these: SENT, whoever holds the row now and whatever became of it meanwhile. A
   * sender whose lease ran out (and whose row was claimed again, or even dead-lettered) still
   * tells the truth: the AMS holds the completion, once, whatever else is sent under its key.
   */
  async markSent(manager: EntityManager, keys: readonly string[]): Promise<void> {
    const now = this.clock.now();
    for (const part of chunks(keys, 400)) {
      await manager
        .createQueryBuilder()
        .update(WritebackOutboxEntity)
        .set({ status: "SENT", sentAt: now, leaseOwner: null, nextAttemptAt: now, lastErrorCode: null, lastError: null, updatedAt: now })
        .where("idempotencyKey IN (:...part) AND status <> :sent", { part, sent: "SENT" })
        .execute();
    }
  }

  /** A failed send of a row `owner` holds, settled as the refresh policy decides. */
  async fail(manager: EntityManager, owner: string, row: ClaimedSend, failure: RefreshFailure): Promise<Settled> {
    const decision = this.decide(failure, row.attempts);
    await this.apply(manager, owner, row.idempotencyKey, decision);
    return { idempotencyKey: row.idempotencyKey, status: decision.action === "dead-letter" ? "DEAD" : "PENDING" };
  }

  /** Dead letters back to PENDING, due now, with their attempts reset: the named ones, or all. Returns the keys. */
  async retryDead(manager: EntityManager, keys: readonly string[] | null): Promise<string[]> {
    const query = manager
      .createQueryBuilder(WritebackOutboxEntity, "o")
      .select("o.idempotencyKey", "key")
      .where("o.status = :dead", { dead: "DEAD" });
    if (keys !== null) query.andWhere("o.idempotencyKey IN (:...keys)", { keys: keys.length > 0 ? [...keys] : [""] });
    const found = (await query.getRawMany<{ key: string }>()).map((row) => row.key);
    const now = this.clock.now();
    for (const part of chunks(found, 400)) {
      await manager
        .createQueryBuilder()
        .update(WritebackOutboxEntity)
        .set({ status: "PENDING", attempts: 0, nextAttemptAt: now, leaseOwner: null, updatedAt: now })
        .where("idempotencyKey IN (:...part) AND status = :dead", { part, dead: "DEAD" })
        .execute();
    }
    return found;
  }

  private decide(failure: RefreshFailure, attempts: number): RefreshDecision {
    return decideRefreshFailure(failure, { attempts, now: this.clock.now(), settings: this.settings.policy, random: this.random });
  }

  /** `owner` null: a row the caller has locked, whoever leased it. */
  private async apply(manager: EntityManager, owner: string | null, key: string, decision: RefreshDecision): Promise<void> {
    const now = this.clock.now();
    const base = { leaseOwner: null, updatedAt: now };
    const set =
      decision.action === "dead-letter"
        ? {
            ...base,
            status: "DEAD" as const,
            nextAttemptAt: now,
            lastErrorCode: decision.code,
            lastError: decision.message.slice(0, 2_000),
          }
        : decision.action === "back-off"
          ? {
              ...base,
              status: "PENDING" as const,
              nextAttemptAt: decision.at,
              lastErrorCode: decision.code,
              lastError: decision.message.slice(0, 2_000),
            }
          : decision.action === "hold"
            ? {
                ...base,
                status: "PENDING" as const,
                nextAttemptAt: decision.until,
                // An outage says nothing about the completion: its claim is not counted.
                attempts: () => "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END",
                lastErrorCode: decision.code,
                lastError: decision.message.slice(0, 2_000),
              }
            : { ...base, status: "PENDING" as const, nextAttemptAt: now };
    const update = manager.createQueryBuilder().update(WritebackOutboxEntity).set(set).where("idempotencyKey = :key", { key });
    if (owner !== null) update.andWhere("leaseOwner = :owner", { owner });
    await update.execute();
  }

  private leaseEnd(): Date {
    return new Date(this.clock.now().getTime() + this.settings.leaseMs);
  }
}
