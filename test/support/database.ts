import type { DatabaseConfig } from "../../src/config/config";
import { createConnection } from "mysql2/promise";
import { Database } from "../../src/db/data-source";

/** MariaDB on CI; `TEST_DATABASE_URL` points the suite elsewhere. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test";

export const mysqlConfig = (): DatabaseConfig & { kind: "mysql" } => ({ kind: "mysql", url: TEST_DATABASE_URL });

export const sqliteConfig = (file: string): DatabaseConfig => ({ kind: "sqlite", file });

/**
 * Empties the test database so every file starts from nothing; the app's own start-up then
 * applies the migrations, as it would in production.
 */
export async function resetDatabase(config: DatabaseConfig): Promise<void> {
  const database = await Database.create(config);
  await database.dataSource.initialize();
  await database.dataSource.dropDatabase();
  await database.close();
}

/**
 * A second database on the same server, for tests of two deployments side by side:
 * `TEST_DATABASE_URL2`, or the suite's database name with `2` appended. Created when missing.
 */
export async function secondTestDatabaseUrl(): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL2 ?? TEST_DATABASE_URL);
  if (process.env.TEST_DATABASE_URL2 === undefined) url.pathname = `${url.pathname.replace(/\/$/, "")}2`;
  const name = decodeURIComponent(url.pathname.slice(1));
  const server = new URL(url);
  server.pathname = "/";
  const connection = await createConnection(server.toString());
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name.replace(/`/g, "``")}\``);
  } finally {
    await connection.end();
  }
  return url.toString();
}
