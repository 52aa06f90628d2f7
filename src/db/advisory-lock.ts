import type { Database } from "./data-source";

/**
 * A named lock across every process sharing the database (MySQL GET_LOCK), so only one
 * process polls a change stream at a time. Embedded SQLite serves one process: an in-process
 * set is its equivalent. `tryWith` runs `work` only if the lock was free, else returns undefined.
 */
export class AdvisoryLocks {
  private readonly held = new Set<string>();

  constructor(private readonly database: Database) {}

  async tryWith<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.held.has(name)) return undefined;
    this.held.add(name);
    try {
      if (this.database.kind === "sqlite") return await work();
      return await this.withMysqlLock(name, work);
    } finally {
      this.held.delete(name);
    }
  }

  private async withMysqlLock<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    // GET_LOCK belongs to a connection, so hold one connection for the whole of `work`.
    const runner = this.database.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [row] = (await runner.query("SELECT GET_LOCK(?, 0) AS acquired", [`amsgate:${name}`])) as Array<{
        acquired: number | string | null;
      }>;
      if (Number(row?.acquired) !== 1) return undefined;
      try {
        return await work();
      } finally {
        await runner.query("SELECT RELEASE_LOCK(?)", [`amsgate:${name}`]);
      }
    } finally {
      await runner.release();
    }
  }
}
