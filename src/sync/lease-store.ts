import type { DataSource } from "typeorm";
import { SyncLeaseEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Clock } from "../time/clock";

/** A lease as stored, whoever holds it. */
export interface LeaseState {
  holder: string;
  expiresAt: Date;
  acquiredAt: Date;
}

/**
 * Leases in the shared database (sync_leases): a process takes a free or expired lease, or
 * renews its own, in one locked read-and-write, so of any number of processes exactly one holds
 * a name at a time. A holder that dies stops renewing, and the lease is free once it expires.
 */
export class LeaseStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Takes `name` for `holder` for `ttlMs` if it is free, expired or already `holder`'s. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const never = new Date(0);
      await manager
        .createQueryBuilder()
        .insert()
        .into(SyncLeaseEntity)
        .values({ name, holder: "", expiresAt: never, acquiredAt: never })
        .orIgnore()
        .execute();
      const query = manager.createQueryBuilder(SyncLeaseEntity, "l").where("l.name = :name", { name });
      if (this.transactions.dialect === "mysql") query.setLock("pessimistic_write");
      const lease = await query.getOneOrFail();
      const ours = lease.holder === holder && lease.expiresAt > now;
      if (!ours && lease.expiresAt > now) return false;
      await manager.update(
        SyncLeaseEntity,
        { name },
        {
          holder,
          expiresAt: new Date(now.getTime() + ttlMs),
          acquiredAt: ours ? lease.acquiredAt : now,
        },
      );
      return true;
    });
  }

  /** Gives `name` up at once if `holder` holds it (a clean shutdown hands over without a wait). */
  async release(name: string, holder: string): Promise<void> {
    await this.transactions.autocommit((manager) => manager.update(SyncLeaseEntity, { name, holder }, { expiresAt: this.clock.now() }));
  }

  /** The live holder of `name`, if any. */
  async holder(name: string): Promise<LeaseState | null> {
    const lease = await this.dataSource.getRepository(SyncLeaseEntity).findOneBy({ name });
    if (!lease || lease.holder === "" || lease.expiresAt <= this.clock.now()) return null;
    return { holder: lease.holder, expiresAt: lease.expiresAt, acquiredAt: lease.acquiredAt };
  }

  /** Of these lease names, the ones someone holds right now. */
  async live(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.dataSource
      .getRepository(SyncLeaseEntity)
      .createQueryBuilder("l")
      .where("l.name IN (:...names) AND l.expiresAt > :now AND l.holder <> ''", { names: [...new Set(names)], now: this.clock.now() })
      .getMany();
    return new Set(rows.map((row) => row.name));
  }
}
