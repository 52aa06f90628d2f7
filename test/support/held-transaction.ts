import type { DataSource, QueryRunner } from "typeorm";

/**
 * A lock test's two transactions on connections of their own (MariaDB): `holder` keeps what it
 * locks until the test ends it, and `other` fails at once on any lock wait (a zero
 * innodb_lock_wait_timeout) instead of waiting for the holder. `frozen` tables keep the
 * statistics they have now (an empty table's, after a clear) for the test's length. Whatever is
 * still open is rolled back at the end, and every setting put back.
 */
export async function withHeldTransaction(
  dataSource: DataSource,
  frozen: readonly string[],
  work: (holder: QueryRunner, other: QueryRunner) => Promise<void>,
): Promise<void> {
  for (const table of frozen) {
    await dataSource.query(`ALTER TABLE ${table} STATS_AUTO_RECALC = 0`);
    await dataSource.query(`ANALYZE TABLE ${table}`);
  }
  const holder = dataSource.createQueryRunner();
  const other = dataSource.createQueryRunner();
  try {
    await holder.connect();
    await other.connect();
    await other.query("SET SESSION innodb_lock_wait_timeout = 0");
    await holder.startTransaction();
    await other.startTransaction();
    await work(holder, other);
  } finally {
    if (other.isTransactionActive) await other.rollbackTransaction();
    if (holder.isTransactionActive) await holder.rollbackTransaction();
    if (other.connection) await other.query("SET SESSION innodb_lock_wait_timeout = DEFAULT");
    await Promise.all([holder.release(), other.release()]);
    for (const table of frozen) await dataSource.query(`ALTER TABLE ${table} STATS_AUTO_RECALC = DEFAULT`);
  }
}
