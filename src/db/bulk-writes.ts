import { type EntityManager, type EntityTarget, In, type ObjectLiteral } from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity";

/** Rows per multi-row statement: well inside MySQL's and SQLite's parameter limits. */
const ROWS_PER_STATEMENT = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function columnNames(manager: EntityManager, entity: EntityTarget<ObjectLiteral>, properties: string[]): string[] {
  const metadata = manager.connection.getMetadata(entity);
  return properties.map((property) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${metadata.name} has no column for ${property}`);
    return column.databaseName;
  });
}

/** Parameters per statement: inside both MySQL's (65,535) and SQLite's (32,766) limits. */
const PARAMETERS_PER_STATEMENT = 30_000;

/**
 * Multi-row inserts: one statement per few hundred rows, never one per row. `onConflict`
 * chooses what happens to a row whose key exists: fail, be left alone, or have `update`
 * overwritten (MySQL ON DUPLICATE KEY UPDATE, SQLite ON CONFLICT DO UPDATE).
 *
 * The SQL is built here rather than by TypeORM's insert builder, which walks every parameter
 * through its generic machinery: for a batch of members that was a third of the refresh's CPU
 * (bench/). Values still go through the driver's own conversion for each column.
 */
export async function insertMany<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  rows: readonly QueryDeepPartialEntity<E>[],
  onConflict: { ignore: true } | { update: string[]; keys: string[] } | null = null,
): Promise<void> {
  if (rows.length === 0) return;
  const { driver } = manager.connection;
  const mysql = driver.options.type !== "sqljs";
  const metadata = manager.connection.getMetadata(entity);
  const columns = metadata.columns.filter((column) => column.isInsert && !column.isGenerated);
  const names = columns.map((column) => driver.escape(column.databaseName)).join(", ");
  const verb = onConflict && "ignore" in onConflict ? (mysql ? "INSERT IGNORE" : "INSERT OR IGNORE") : "INSERT";
  const tail = onConflict && "update" in onConflict ? conflictClause(manager, entity, onConflict, mysql) : "";
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  const perStatement = Math.max(1, Math.min(1_000, Math.floor(PARAMETERS_PER_STATEMENT / columns.length)));
  for (const part of chunks(rows, perStatement)) {
    const values: unknown[] = [];
    for (const row of part) {
      for (const column of columns) {
        const value = (row as Record<string, unknown>)[column.propertyName];
        // A missing value takes the column's default, spelled out: SQLite has no DEFAULT in VALUES.
        values.push(driver.preparePersistentValue(value === undefined ? defaultOf(column.default) : value, column));
      }
    }
    const sql = `${verb} INTO ${driver.escape(metadata.tableName)} (${names}) VALUES ${part.map(() => tuple).join(", ")}${tail}`;
    await manager.query(sql, values);
  }
}

function defaultOf(fallback: unknown): unknown {
  if (typeof fallback === "string") return fallback.replace(/^'(.*)'$/, "$1");
  return fallback === undefined ? null : fallback;
}

function conflictClause(
  manager: EntityManager,
  entity: EntityTarget<ObjectLiteral>,
  onConflict: { update: string[]; keys: string[] },
  mysql: boolean,
): string {
  const escapeName = (name: string) => manager.connection.driver.escape(name);
  const updates = columnNames(manager, entity, onConflict.update).map((name) =>
    mysql ? `${escapeName(name)} = VALUES(${escapeName(name)})` : `${escapeName(name)} = excluded.${escapeName(name)}`,
  );
  if (mysql) return ` ON DUPLICATE KEY UPDATE ${updates.join(", ")}`;
  return ` ON CONFLICT (${columnNames(manager, entity, onConflict.keys).map(escape).join(", ")}) DO UPDATE SET ${updates.join(", ")}`;
}

/** Deletes every row whose `property` is one of `keys`, a few hundred keys per statement. */
export async function deleteWhereIn<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  property: keyof E & string,
  keys: readonly string[],
): Promise<void> {
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    await manager.delete(entity, { [property]: In(part) } as never);
  }
}

/**
 * Reads every row whose `property` is one of `keys`, inside the caller's transaction. Plain SQL
 * and the driver's per-column conversion: TypeORM's generic entity hydration costs more than
 * the query itself on batches of hundreds of rows.
 */
export async function findWhereIn<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  property: keyof E & string,
  keys: readonly string[],
): Promise<E[]> {
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(entity);
  const columns = metadata.columns;
  const key = metadata.findColumnWithPropertyName(property)!;
  const select = columns.map((column) => driver.escape(column.databaseName)).join(", ");
  const out: E[] = [];
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    const sql = `SELECT ${select} FROM ${driver.escape(metadata.tableName)} WHERE ${driver.escape(key.databaseName)} IN (${part.map(() => "?").join(", ")})`;
    const rows: Array<Record<string, unknown>> = await manager.query(sql, [...part]);
    for (const row of rows) {
      const entityRow: Record<string, unknown> = {};
      for (const column of columns) entityRow[column.propertyName] = driver.prepareHydratedValue(row[column.databaseName], column);
      out.push(entityRow as E);
    }
  }
  return out;
}

export { chunks };
