import { type EntityManager, type EntityTarget, type ObjectLiteral, QueryFailedError } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity";

/** A mysql2 connection or pool, callback style, as TypeORM's MySQL driver holds them. */
interface MysqlTarget {
  query(sql: string, values: unknown[], callback: (error: Error | null, result: unknown) => void): void;
}

/** What a statement returned: its rows (a SELECT), or how many rows it changed. */
export interface SqlResult {
  rows: Array<Record<string, unknown>>;
  affected: number;
}

/**
 * Runs SQL with `?` placeholders inside the caller's transaction (or on the pool, outside one).
 * On MySQL it goes straight to the mysql2 connection TypeORM holds for the transaction (still
 * reported to the data source's logger), skipping the query runner's per-statement promise
 * wrapper and event broadcast: on the refresh's hot path those cost more than building the SQL.
 * Errors are TypeORM's QueryFailedError either way, so deadlock retries still recognise them.
 */
export async function runSql(manager: EntityManager, sql: string, values: unknown[] = []): Promise<SqlResult> {
  const { connection } = manager;
  if (connection.driver.options.type === "sqljs") {
    const runner = manager.queryRunner ?? connection.createQueryRunner();
    try {
      const result = await runner.query(sql, values, true);
      return { rows: (result.records ?? []) as Array<Record<string, unknown>>, affected: result.affected ?? 0 };
    } finally {
      if (!manager.queryRunner) await runner.release();
    }
  }
  const held = (manager.queryRunner as { databaseConnection?: MysqlTarget } | undefined)?.databaseConnection;
  const target = held ?? (connection.driver as unknown as { pool: MysqlTarget }).pool;
  connection.logger.logQuery(sql, values);
  return new Promise((resolve, reject) =>
    target.query(sql, values, (error, result) => {
      if (error) {
        connection.logger.logQueryError(error, sql, values);
        return reject(new QueryFailedError(sql, values, error));
      }
      if (Array.isArray(result)) resolve({ rows: result as Array<Record<string, unknown>>, affected: 0 });
      else resolve({ rows: [], affected: (result as { affectedRows?: number } | null)?.affectedRows ?? 0 });
    }),
  );
}

/*
 * Statements that find rows by key in a small, churning table (the refresh queue and its run
 * links). Whether its statistics are stale or not, the planner prefers a scan for an IN list
 * that covers a good part of such a table (500 keys of 1,000 rows). A scan that locks (UPDATE,
 * DELETE, SELECT … FOR UPDATE) reads every row and waits for each one another transaction holds,
 * so workers settling disjoint rows would wait for one another's whole transactions. On MySQL,
 * UPDATE takes a FORCE INDEX hint; DELETE and a locking SELECT ignore it or scan the index, so
 * they join the keys as a derived table to the primary key instead (one lookup per key).
 */

/** The target of an UPDATE of rows found by primary key: `table`, forced to its primary key on MySQL. */
export function keyedTable(manager: EntityManager, table: string): string {
  return isSqlite(manager) ? table : `${table} FORCE INDEX (PRIMARY)`;
}

/** What the keyed statements below return: SQL with `?` placeholders and its values. */
export interface KeyedSql {
  sql: string;
  values: unknown[];
}

/**
 * `DELETE` of the rows of `table` whose `column` (the primary key's first) is one of `keys`,
 * narrowed by `condition` (its `?` values in `conditionValues`): see above.
 */
export function deleteKeyed(
  manager: EntityManager,
  table: string,
  column: string,
  keys: readonly string[],
  condition = "",
  conditionValues: unknown[] = [],
): KeyedSql {
  const { from, where, values } = keyedRows(manager, table, column, keys);
  const verb = isSqlite(manager) ? "DELETE FROM" : `DELETE ${table} FROM`;
  return { sql: `${verb} ${from} WHERE ${where}${condition && ` AND ${condition}`}`, values: [...values, ...conditionValues] };
}

/** `SELECT columns` of the rows found as {@link deleteKeyed} finds them, `FOR UPDATE` on MySQL when `lock`. */
export function selectKeyed(
  manager: EntityManager,
  columns: readonly string[],
  table: string,
  column: string,
  keys: readonly string[],
  options: { condition?: string; conditionValues?: unknown[]; lock: boolean },
): KeyedSql {
  const { from, where, values } = keyedRows(manager, table, column, keys);
  const condition = options.condition ? ` AND ${options.condition}` : "";
  const lock = options.lock && !isSqlite(manager) ? " FOR UPDATE" : "";
  return {
    sql: `SELECT ${columns.map((name) => `${table}.${name}`).join(", ")} FROM ${from} WHERE ${where}${condition}${lock}`,
    values: [...values, ...(options.conditionValues ?? [])],
  };
}

function keyedRows(manager: EntityManager, table: string, column: string, keys: readonly string[]) {
  const unique = [...new Set(keys)];
  if (isSqlite(manager)) return { from: table, where: `${column} IN (${placeholders(unique.length)})`, values: unique };
  const list = unique.map((_, index) => (index === 0 ? "SELECT ? AS k" : "SELECT ?")).join(" UNION ALL ");
  return { from: `(${list}) AS keyed JOIN ${table} FORCE INDEX (PRIMARY) ON ${table}.${column} = keyed.k`, where: "TRUE", values: unique };
}

function isSqlite(manager: EntityManager): boolean {
  return manager.connection.driver.options.type === "sqljs";
}

/** {@link runSql} with named parameters (`:name`, `:...list`), converted for the dialect (SQLite stores instants as text). */
export function runNamed(manager: EntityManager, sql: string, parameters: Record<string, unknown>): Promise<SqlResult> {
  const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, parameters);
  return runSql(manager, query, values);
}

/** `?, ?, ?` for `count` values. */
export function placeholders(count: number): string {
  return count === 1 ? "?" : `?${", ?".repeat(count - 1)}`;
}

/**
 * Keys per statement: a full-load batch (500) or a backlog claim (up to 1,000) in one statement
 * (at 400 each took two), well inside MySQL's and SQLite's parameter limits.
 */
const ROWS_PER_STATEMENT = 1_000;

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
 * Rows per multi-row insert, when its columns leave room: a 500-member batch's group
 * memberships (about 1,200 rows of 7 columns) in one statement, not two. The text stays far
 * below `max_allowed_packet` (16 MB by default): 4,000 such rows are about 400 KB.
 */
const ROWS_PER_INSERT = 4_000;

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
  const perStatement = Math.max(1, Math.min(ROWS_PER_INSERT, Math.floor(PARAMETERS_PER_STATEMENT / columns.length)));
  const properties = columns.map((column) => column.propertyName);
  const plain = columns.map((column) => mysql && isPlain(column));
  for (const part of chunks(rows, perStatement)) {
    const values: unknown[] = [];
    for (const row of part) {
      for (let index = 0; index < columns.length; index += 1) {
        const column = columns[index]!;
        let value = (row as Record<string, unknown>)[properties[index]!];
        // A missing value takes the column's default, spelled out: SQLite has no DEFAULT in VALUES.
        if (value === undefined) value = defaultOf(column.default);
        values.push(plain[index] || (value === null && !column.transformer) ? value : driver.preparePersistentValue(value, column));
      }
    }
    const sql = `${verb} INTO ${driver.escape(metadata.tableName)} (${names}) VALUES ${part.map(() => tuple).join(", ")}${tail}`;
    await runSql(manager, sql, values);
  }
}

/** Text and integer columns mysql2 sends as they are: the driver's conversion would return them unchanged. */
const PLAIN = new Set<unknown>(["varchar", "char", "text", "mediumtext", "longtext", "int", "integer", "smallint"]);

function isPlain(column: ColumnMetadata): boolean {
  return PLAIN.has(column.type) && column.transformer === undefined;
}

/**
 * Sets the same values on every row whose `property` is one of `keys`, a few hundred keys per
 * statement, each value through the driver's conversion for its column.
 */
export async function updateWhereIn<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  property: keyof E & string,
  keys: readonly string[],
  set: QueryDeepPartialEntity<E>,
): Promise<void> {
  if (keys.length === 0) return;
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(entity);
  const assignments: string[] = [];
  const values: unknown[] = [];
  for (const [name, value] of Object.entries(set)) {
    const column = metadata.findColumnWithPropertyName(name);
    if (!column) throw new Error(`${metadata.name} has no column for ${name}`);
    assignments.push(`${driver.escape(column.databaseName)} = ?`);
    values.push(value === null ? null : driver.preparePersistentValue(value, column));
  }
  const key = driver.escape(metadata.findColumnWithPropertyName(property)!.databaseName);
  const head = `UPDATE ${driver.escape(metadata.tableName)} SET ${assignments.join(", ")} WHERE ${key} IN `;
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) await runSql(manager, `${head}(${placeholders(part.length)})`, [...values, ...part]);
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
  if (keys.length === 0) return;
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(entity);
  const key = driver.escape(metadata.findColumnWithPropertyName(property)!.databaseName);
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    await runSql(manager, `DELETE FROM ${driver.escape(metadata.tableName)} WHERE ${key} IN (${placeholders(part.length)})`, [...part]);
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
  /** Only these properties (all when not given). */
  properties?: ReadonlyArray<keyof E & string>,
): Promise<E[]> {
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(entity);
  const columns = properties ? metadata.columns.filter((column) => properties.includes(column.propertyName)) : metadata.columns;
  const key = metadata.findColumnWithPropertyName(property)!;
  const select = columns.map((column) => driver.escape(column.databaseName)).join(", ");
  const converted = columns.map((column) => needsConversion(column));
  const out: E[] = [];
  if (keys.length === 0) return out;
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    const sql = `SELECT ${select} FROM ${driver.escape(metadata.tableName)} WHERE ${driver.escape(key.databaseName)} IN (${placeholders(part.length)})`;
    const { rows } = await runSql(manager, sql, [...part]);
    for (const row of rows) {
      const entityRow: Record<string, unknown> = {};
      for (let index = 0; index < columns.length; index += 1) {
        const column = columns[index]!;
        const value = row[column.databaseName];
        entityRow[column.propertyName] = converted[index] ? driver.prepareHydratedValue(value, column) : value;
      }
      out.push(entityRow as E);
    }
  }
  return out;
}

/** Column types whose raw values need the driver's conversion; text and numbers come back as they are. */
const CONVERTED = new Set<unknown>([
  "boolean",
  "bool",
  Boolean,
  "datetime",
  Date,
  "date",
  "json",
  "simple-json",
  "simple-array",
  "time",
  Number,
  "enum",
  "simple-enum",
  "set",
]);

function needsConversion(column: ColumnMetadata): boolean {
  return CONVERTED.has(column.type) || column.transformer !== undefined;
}

export { chunks };
