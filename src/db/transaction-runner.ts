import type { EntityManager } from "typeorm";
import type { Database } from "./data-source";

/** MySQL errors that mean "try the whole transaction again": deadlock, lock wait timeout. */
const TRANSIENT_MYSQL_ERRNOS = new Set([1213, 1205]);

export function isTransientDatabaseError(error: unknown): boolean {
  const driverError = (error as { driverError?: { errno?: number } } | undefined)?.driverError;
  return driverError?.errno !== undefined && TRANSIENT_MYSQL_ERRNOS.has(driverError.errno);
}

/**
 * Runs write transactions the same way on both databases. On MySQL each runs at READ COMMITTED
 * (fewer gap locks between concurrent refreshes) and is retried when InnoDB picks it as a
 * deadlock victim. Embedded SQLite has one connection shared by everything, so its write
 * transactions are serialized in process: the single-process equivalent of row locks.
 */
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly maxTries = 4,
  ) {}

  get dialect(): "mysql" | "sqlite" {
    return this.database.kind;
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.database.kind === "sqlite") return this.serialized(() => this.database.dataSource.transaction(work));
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.database.dataSource.transaction("READ COMMITTED", work);
      } catch (error) {
        if (!isTransientDatabaseError(error) || attempt >= this.maxTries) throw error;
      }
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
