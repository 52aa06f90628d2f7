import type { DataSource, EntityManager } from "typeorm";
import { insertMany } from "../db/bulk-writes";
import { SyncCursorEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";

export type CursorStream = "members" | "events";

/** The row that says a full load is under way, and since when (its `cursor`, ISO-8601). */
const LOAD_CHECKPOINT = "members:load";

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

  /** When the full load under way started, or null when none is (it finished, or never began). */
  async loadStartedAt(): Promise<Date | null> {
    const row = await this.dataSource.getRepository(SyncCursorEntity).findOneBy({ stream: LOAD_CHECKPOINT });
    return row?.cursor ? new Date(row.cursor) : null;
  }

  /** Records that a full load starts now, committed before its first page is written. */
  async beginLoad(startedAt: Date): Promise<void> {
    await this.transactions.autocommit((manager) =>
      insertMany(
        manager,
        SyncCursorEntity,
        [
          {
            stream: LOAD_CHECKPOINT,
            cursor: startedAt.toISOString(),
            lastPolledAt: null,
            lastSuccessfulPollAt: null,
            lastError: null,
            updatedAt: startedAt,
          },
        ],
        { update: ["cursor", "updatedAt"], keys: ["stream"] },
      ),
    );
  }

  /** The full load is complete: a restart no longer resumes it. */
  async endLoad(): Promise<void> {
    await this.transactions.autocommit((manager) => manager.delete(SyncCursorEntity, { stream: LOAD_CHECKPOINT }));
  }
}
