import { createHash } from "node:crypto";
import type { Database } from "./data-source";

/**
 * A named lock across every process sharing the database (MySQL GET_LOCK), so only one
 * process polls a change stream at a time. Embedded SQLite serves one process: an in-process
 * set is its equivalent. `tryWith` runs `work` only if the lock was free, else returns undefined;
 * `withWait` queues behind the holder.
 */
export class AdvisoryLocks {
  /** Locks this process holds, each with a promise that settles when it is released. */
  private readonly held = new Map<string, Promise<void>>();
  private scope: string | undefined;

  constructor(private readonly database: Database) {}

  async tryWith<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    const result = await this.attempt(name, work, 0);
    return result.ran ? result.value : undefined;
  }

  /**
   * Runs `work` under the lock, waiting up to `timeoutMs` for whoever holds it (`onWaiting` is
   * told once when it must wait); undefined if the wait ran out.
   */
  async withWait<T>(name: string, timeoutMs: number, work: () => Promise<T>, onWaiting: () => Promise<void>): Promise<T | undefined> {
    const first = await this.attempt(name, work, 0);
    if (first.ran) return first.value;
    await onWaiting();
    const waitSeconds = this.database.kind === "mysql" ? Math.max(1, Math.ceil(timeoutMs / 1000)) : 0;
    for (;;) {
      // A holder in this process first (its work always ends); then, on MySQL, one in any process.
      await this.held.get(name);
      const next = await this.attempt(name, work, waitSeconds);
      if (next.ran) return next.value;
      if (!this.held.has(name) && this.database.kind === "mysql") return undefined;
    }
  }

  private async attempt<T>(name: string, work: () => Promise<T>, waitSeconds: number): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.held.has(name)) return { ran: false };
    let release!: () => void;
    this.held.set(name, new Promise<void>((resolve) => (release = resolve)));
    try {
      if (this.database.kind === "sqlite") return { ran: true, value: await work() };
      return await this.withMysqlLock(name, work, waitSeconds);
    } finally {
      this.held.delete(name);
      release();
    }
  }

  private async withMysqlLock<T>(
    name: string,
    work: () => Promise<T>,
    waitSeconds: number,
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    // GET_LOCK belongs to a connection, so hold one connection for the whole of `work`.
    const runner = this.database.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const lock = await this.lockName(runner, name);
      const [row] = (await runner.query("SELECT GET_LOCK(?, ?) AS acquired", [lock, waitSeconds])) as Array<{
        acquired: number | string | null;
      }>;
      if (Number(row?.acquired) !== 1) return { ran: false };
      try {
        return { ran: true, value: await work() };
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
      this.scope = createHash("sha256")
        .update(row?.name ?? "")
        .digest("hex")
        .slice(0, 16);
    }
    return `amsgate:${this.scope}:${name}`.slice(0, 64);
  }
}
