import { createHash } from "node:crypto";
import type { Database } from "./data-source";

/**
 * A named lock across every process sharing the database (MySQL GET_LOCK), so only one
 * process polls a change stream at a time. Embedded SQLite serves one process: an in-process
 * set is its equivalent. `tryWith` runs `work` only if the lock was free, else returns undefined.
 */
export class AdvisoryLocks {
  private readonly held = new Set<string>();
  private scope: string | undefined;

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
      const lock = await this.lockName(runner, name);
      const [row] = (await runner.query("SELECT GET_LOCK(?, 0) AS acquired", [lock])) as Array<{
        acquired: number | string | null;
      }>;
      if (Number(row?.acquired) !== 1) return undefined;
      try {
        return await work();
      } finally {
        await runner.query("SELECT RELEASE_LOCK(?)", [lock]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Named locks are server-wide, so the name carries the database: two gateways on one server
   * with different databases must not wait for each other. MySQL allows 64 characters.
   */
  private async lockName(runner: { query(sql: string): Promise<unknown> }, name: string): Promise<string> {
    if (this.scope === undefined) {
      const [row] = (await runner.query("SELECT DATABASE() AS name")) as Array<{ name: string | null }>;
      this.scope = createHash("sha256").update(row?.name ?? "").digest("hex").slice(0, 16);
    }
    return `amsgate:${this.scope}:${name}`.slice(0, 64);
  }
}
