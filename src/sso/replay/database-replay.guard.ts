import { LessThan, QueryFailedError } from "typeorm";
import { SsoUsedTokenEntity } from "../../db/entities";
import type { TransactionRunner } from "../../db/transaction-runner";
import type { Clock } from "../../time/clock";
import type { ReplayGuard } from "./replay.guard";

/** Purge expired ids about once in this many claims: no timer to manage, and cheap. */
const PURGE_EVERY = 100;

/** A primary or unique key already held the value (MySQL/MariaDB errno 1062, SQLite UNIQUE). */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { errno?: number; message?: string } }).driverError;
  return driverError?.errno === 1062 || /UNIQUE constraint failed/i.test(String(driverError?.message ?? error.message));
}

/**
 * Replay protection shared by every gateway process: a token id is inserted once; a second
 * insert of the same id (here or in another process) hits the primary key and is a replay.
 */
export class DatabaseReplayGuard implements ReplayGuard {
  private claims = 0;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly namespace: string,
  ) {}

  async claim(tokenId: string, expiresAt: Date): Promise<boolean> {
    this.claims += 1;
    if (this.claims % PURGE_EVERY === 0) await this.purgeExpired();
    try {
      await this.transactions.run((manager) => manager.insert(SsoUsedTokenEntity, { tokenId: `${this.namespace}:${tokenId}`, expiresAt }));
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Forgets a claim, so the id may be presented again (its work failed before it was done). */
  async release(tokenId: string): Promise<void> {
    await this.transactions.run((manager) => manager.delete(SsoUsedTokenEntity, { tokenId: `${this.namespace}:${tokenId}` }));
  }

  async purgeExpired(): Promise<void> {
    await this.transactions.run((manager) => manager.delete(SsoUsedTokenEntity, { expiresAt: LessThan(this.clock.now()) }));
  }
}
