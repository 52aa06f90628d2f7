import { createConnection, type Connection } from "mysql2/promise";
import { Database } from "../../src/db/data-source";
import { databaseName } from "./bench-config";

/** The cache tables a member load writes; both sides of the write benchmark must fill them alike. */
export const CACHE_TABLES = [
  "members",
  "member_phones",
  "member_social_links",
  "member_demographics",
  "communities",
  "community_memberships",
  "security_groups",
  "security_group_memberships",
] as const;

export type TableCounts = Record<(typeof CACHE_TABLES)[number], number>;

async function connect(url: string, withDatabase = true): Promise<Connection> {
  const parsed = new URL(url.replace(/^mariadb:/, "mysql:"));
  if (!withDatabase) parsed.pathname = "/";
  return createConnection({ uri: parsed.toString(), connectTimeout: 10_000 });
}

/** A fresh machine has no bench database yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const connection = await connect(url, false);
  try {
    const name = databaseName(url).replace(/`/g, "``");
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

/**
 * Drops every table and applies amsgate's migrations, so each load (amsgate's or the raw
 * baseline's) starts from the same empty schema, system security groups included.
 */
export async function freshSchema(url: string): Promise<void> {
  const database = await Database.create({ kind: "mysql", url });
  await database.dataSource.initialize();
  await database.dataSource.dropDatabase();
  await database.dataSource.destroy();
  const migrated = await Database.create({ kind: "mysql", url });
  await migrated.open();
  await migrated.close();
}

/** Rows in every cache table, through whatever connection the caller holds. */
export async function countRows(query: (sql: string) => Promise<unknown>): Promise<TableCounts> {
  const counts = {} as TableCounts;
  for (const table of CACHE_TABLES) {
    const rows = (await query(`SELECT COUNT(*) AS n FROM ${table}`)) as Array<{ n: number | string }>;
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

/** Throws unless both loads left the same number of rows in every cache table. */
export function assertSameCounts(label: string, mine: TableCounts, theirs: TableCounts): void {
  const differing = CACHE_TABLES.filter((table) => mine[table] !== theirs[table]);
  if (differing.length > 0) {
    const detail = differing.map((table) => `${table} ${mine[table]} vs ${theirs[table]}`).join(", ");
    throw new Error(`${label}: amsgate and the raw baseline wrote different rows (${detail})`);
  }
}

export interface ServerInfo {
  version: string;
  settings: Record<string, string>;
}

/** The server's version and the settings that most move write and read figures. */
export async function serverInfo(url: string): Promise<ServerInfo> {
  const connection = await connect(url);
  try {
    const [versionRows] = await connection.query("SELECT VERSION() AS version");
    const [settingRows] = await connection.query(
      "SHOW VARIABLES WHERE Variable_name IN ('innodb_buffer_pool_size', 'innodb_flush_log_at_trx_commit', 'innodb_doublewrite', 'log_bin', 'sync_binlog')",
    );
    const settings = Object.fromEntries(
      (settingRows as Array<{ Variable_name: string; Value: string }>).map((row) => [row.Variable_name, row.Value]),
    );
    return { version: String((versionRows as Array<{ version: string }>)[0]!.version), settings };
  } finally {
    await connection.end();
  }
}
