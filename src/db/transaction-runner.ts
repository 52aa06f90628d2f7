import type { EntityManager } from "typeorm";
import type { Database } from "./data-source";

/** MySQL errors that mean "try the whole transaction again": deadlock, lock wait timeout. */
const TRANSIENT_MYSQL_ERRNOS = new Set([1213, 1205]);

export function isTransientDatabaseError(error: unknown): boolean {
  const driverError = (error as { driverError?: { errno?: number } } | undefined)?.driverError;
  return driverError?.errno !== undefined && TRANSIENT_MYSQL_ERRNOS.has(driverError.errno);
}

/**
 * Runs writes the same way on both databases. On MySQL each transaction runs at READ COMMITTED
 * (fewer gap locks between concurrent refreshes; set once per pooled connection rather than
 * before every transaction, which would cost a round trip each) and is retried when InnoDB
 * picks it as a deadlock victim. Embedded SQLite has one connection shared by everything, so
 * its writes are serialized in process: the single-process equivalent of row locks.
 */
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly readCommitted = new WeakSet<object>();

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
        return await this.mysqlTransaction(work);
      } catch (error) {
        if (!isTransientDatabaseError(error) || attempt >= this.maxTries) throw error;
      }
    }
  }

  /**
   * One write that needs no transaction of its own (a single statement): autocommit on MySQL,
   * serialized with the transactions on SQLite so it can never land inside one of them.
   */
  async autocommit<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.database.kind === "sqlite") return this.serialized(() => work(this.database.dataSource.manager));
    return work(this.database.dataSource.manager);
  }

  /**
   * One statement that needs no transaction and may simply run again: autocommit, retried when
   * InnoDB picks it as a deadlock victim (or its lock wait times out). A statement that lost
   * was rolled back whole, so nothing of it happened; `work` must be that one statement.
   */
  async autocommitRetrying<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.database.kind === "sqlite") return this.serialized(() => work(this.database.dataSource.manager));
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work(this.database.dataSource.manager);
      } catch (error) {
        if (!isTransientDatabaseError(error) || attempt >= this.maxTries) throw error;
      }
    }
  }

  private async mysqlTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.database.dataSource.createQueryRunner();
    try {
      const connection = (await runner.connect()) as object;
      if (!this.readCommitted.has(connection)) {
        await runner.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
        this.readCommitted.add(connection);
      }
      await runner.startTransaction();
      try {
        const result = await work(runner.manager);
        await runner.commitTransaction();
        return result;
      } catch (error) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
