import { createHash } from "node:crypto";
import { LessThan, type Repository } from "typeorm";
import { PushIdempotencyEntity } from "../../db/entities";
import { isDuplicateKey } from "../../sso/replay/database-replay.guard";
import type { TransactionRunner } from "../../db/transaction-runner";
import type { Clock } from "../../time/clock";

/** How long an answer is replayed for its Idempotency-Key. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60_000;
/** A key still "in progress" after this long belongs to a process that died: it may be taken over. */
const ABANDONED_AFTER_MS = 5 * 60_000;
const PURGE_EVERY = 100;

export type IdempotencyClaim =
  | { kind: "new" }
  | { kind: "replay"; status: number; answer: string }
  | { kind: "in-progress" }
  | { kind: "mismatch" };

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/**
 * Answers kept under `Idempotency-Key`, in the database so every gateway process (and one that
 * restarted) replays them. The first request inserts its key before it writes anything; the
 * same key meanwhile is "in progress", afterwards it replays the stored answer.
 */
export class IdempotencyStore {
  private claims = 0;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** The row's key: the caller's push key and its Idempotency-Key, hashed together. */
  scope(pushKey: string, idempotencyKey: string): string {
    return sha256(`${sha256(pushKey)}:${idempotencyKey}`);
  }

  async claim(scopeKey: string, body: Buffer | string): Promise<IdempotencyClaim> {
    this.claims += 1;
    if (this.claims % PURGE_EVERY === 0) await this.purgeExpired();
    const requestHash = sha256(body);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const now = this.clock.now();
      try {
        await this.on((r) =>
          r.insert({
            scopeKey,
            requestHash,
            status: null,
            answer: null,
            createdAt: now,
            expiresAt: new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS),
          }),
        );
        return { kind: "new" };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const row = await this.on((r) => r.findOneBy({ scopeKey }));
      if (!row) continue;
      const abandoned = row.status === null && now.getTime() - row.createdAt.getTime() > ABANDONED_AFTER_MS;
      if (row.expiresAt.getTime() <= now.getTime() || abandoned) {
        await this.on((r) => r.delete({ scopeKey, createdAt: row.createdAt }));
        continue;
      }
      if (row.requestHash !== requestHash) return { kind: "mismatch" };
      if (row.status === null || row.answer === null) return { kind: "in-progress" };
      return { kind: "replay", status: row.status, answer: row.answer };
    }
    return { kind: "in-progress" };
  }

  async finish(scopeKey: string, status: number, answer: string): Promise<void> {
    await this.on((r) => r.update({ scopeKey }, { status, answer }));
  }

  /** Forgets a claim whose request failed, so the client's retry is processed. */
  async release(scopeKey: string): Promise<void> {
    await this.on((r) => r.delete({ scopeKey }));
  }

  private async purgeExpired(): Promise<void> {
    await this.on((r) => r.delete({ expiresAt: LessThan(this.clock.now()) }));
  }

  /** Each statement on its own, through the runner (SQLite serializes every write there). */
  private on<T>(work: (repository: Repository<PushIdempotencyEntity>) => Promise<T>): Promise<T> {
    return this.transactions.autocommit((manager) => work(manager.getRepository(PushIdempotencyEntity)));
  }
}
