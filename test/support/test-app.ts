import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type App, type AppOverrides, buildApp } from "../../src/app";
import { type AppConfig, loadConfig } from "../../src/config/config";
import { mysqlConfig, resetDatabase, sqliteConfig } from "./database";
import { QueryCounter } from "./query-counter";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

export interface TestApp {
  app: App;
  url: string;
  baseUrl: string;
  queries: QueryCounter;
  config: AppConfig;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  database?: "mysql" | "sqlite";
  /** Extra environment, as an operator would set it. */
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /** Keep what an earlier app left in the database (restart tests). */
  keepData?: boolean;
  sqliteFile?: string;
  /** A MySQL database other than the suite's own (see `secondTestDatabaseUrl`). */
  databaseUrl?: string;
  /** Listen on this port instead of a free one (a URL the configuration names must be known first). */
  port?: number;
}

/** MariaDB unless `TEST_DATABASE_KIND=sqlite` runs the suite's default apps on the embedded database. */
function defaultDatabase(): "mysql" | "sqlite" {
  return process.env.TEST_DATABASE_KIND === "sqlite" ? "sqlite" : "mysql";
}

/** Builds the real app on a fresh database and listens on a free loopback port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const kind = options.database ?? defaultDatabase();
  const sqliteFile = options.sqliteFile ?? path.join(mkdtempSync(path.join(tmpdir(), "amsgate-")), "test.sqlite");
  const mysql = options.databaseUrl === undefined ? mysqlConfig() : { kind: "mysql" as const, url: options.databaseUrl };
  const env: Record<string, string> = {
    NODE_ENV: "test",
    ADMIN_API_KEYS: ADMIN_KEY,
    // Tests drive sync by hand unless they turn the scheduler on; the demo holds still.
    SYNC_ENABLED: "false",
    DEMO_CHANGE_INTERVAL: "0",
    DEMO_MEMBERS: "50",
    ...(kind === "mysql" ? { DATABASE_URL: mysql.url } : { SQLITE_FILE: sqliteFile }),
    ...options.env,
  };
  const config = loadConfig(env);
  if (!options.keepData) await resetDatabase(kind === "mysql" ? mysql : sqliteConfig(sqliteFile));
  const queries = new QueryCounter();
  // Tests drive sync by hand (SYNC_ENABLED=false above): unless a test says otherwise, its app
  // takes the lead when a poll asks, as a process running sync would.
  const app = await buildApp(config, {
    syncDrivenByHand: true,
    ...options.overrides,
    database: { logger: queries, ...options.overrides?.database },
  });
  const { port } = await app.start(options.port ?? 0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${port}`;
  return { app, url: `${baseUrl}/graphql`, baseUrl, queries, config, stop: () => app.stop() };
}

/** A port free right now on loopback, for a server whose URL its own configuration must name. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
