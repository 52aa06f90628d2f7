import type { DataSource, EntityManager } from "typeorm";
import { insertMany } from "../db/bulk-writes";
import { SyncCursorEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";

export type CursorStream = "members" | "events";

/** Where each change stream has read up to, in the AMS's clock. */
export class CursorStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  async get(stream: CursorStream): Promise<SyncCursorEntity | null> {
    return this.dataSource.getRepository(SyncCursorEntity).findOneBy({ stream });
  }

  async all(): Promise<SyncCursorEntity[]> {
    return this.dataSource.getRepository(SyncCursorEntity).find({ order: { stream: "ASC" } });
  }

  /**
   * Records a finished poll inside the caller's transaction: the cursor moves only when
   * `cursor` is given (something changed); the poll times move regardless.
   */
  async recordPoll(manager: EntityManager, stream: CursorStream, cursor: string | null, polledAt: Date): Promise<void> {
    const columns = ["lastPolledAt", "lastSuccessfulPollAt", "lastError", "updatedAt", ...(cursor ? ["cursor"] : [])];
    await insertMany(
      manager,
      SyncCursorEntity,
      [{ stream, cursor, lastPolledAt: polledAt, lastSuccessfulPollAt: polledAt, lastError: null, updatedAt: polledAt }],
      { update: columns, keys: ["stream"] },
    );
  }

  /** A poll that failed: the cursor stays, the failure is visible. */
  async recordFailure(stream: CursorStream, message: string, polledAt: Date): Promise<void> {
    await this.transactions.autocommit((manager) =>
      insertMany(
        manager,
        SyncCursorEntity,
        [
          {
            stream,
            cursor: null,
            lastPolledAt: polledAt,
            lastSuccessfulPollAt: null,
            lastError: message.slice(0, 2_000),
            updatedAt: polledAt,
          },
        ],
        { update: ["lastPolledAt", "lastError", "updatedAt"], keys: ["stream"] },
      ),
    );
  }
}
