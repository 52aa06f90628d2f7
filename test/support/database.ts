import type { DatabaseConfig } from "../../src/config/config";
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
