import { MoreThan } from "typeorm";
import { SsoUsedTokenEntity } from "../../db/entities";
import type { TransactionRunner } from "../../db/transaction-runner";
import type { Clock } from "../../time/clock";

/** Sessions ended before their expiry (sign-out); every process consults the same store. */
export interface SessionRevocations {
  revoke(sessionId: string, expiresAt: Date): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

const PREFIX = "session-revoked:";

/**
 * Revoked session ids in the database, in the table that already remembers single-use token ids
 * until they expire (and purges them after): a revoked id only needs keeping until the session
 * would have ended anyway.
 */
export class DatabaseSessionRevocations implements SessionRevocations {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async revoke(sessionId: string, expiresAt: Date): Promise<void> {
    await this.transactions.run(async (manager) => {
      const tokenId = PREFIX + sessionId;
      // A second sign-out of the same session is not an error.
      if (await manager.existsBy(SsoUsedTokenEntity, { tokenId })) return;
      await manager.insert(SsoUsedTokenEntity, { tokenId, expiresAt });
    });
  }

  /** One indexed read outside any transaction: it runs on every authenticated request. */
  async isRevoked(sessionId: string): Promise<boolean> {
    return this.transactions.autocommit((manager) =>
      manager.existsBy(SsoUsedTokenEntity, { tokenId: PREFIX + sessionId, expiresAt: MoreThan(this.clock.now()) }),
    );
  }
}
