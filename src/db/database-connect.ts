import { ExponentialBackoff, handleWhen, retry } from "cockatiel";
import type { DatabaseConfig, DatabaseRetryConfig } from "../config/config";
import { Database, type DataSourceExtras } from "./data-source";
import { DatabaseError, DatabaseErrorCode } from "./database.error";

/** Driver codes for a server that did not answer: worth waiting for. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
]);

/** Driver codes for a server that answered no: waiting will not change it. */
const REFUSED_CODES = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_BAD_DB_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"]);

/** `host:port` of a database URL: what an operator needs to find the server, never the password. */
export function databaseTarget(config: DatabaseConfig): string {
  if (config.kind === "sqlite") return `SQLite file ${config.file}`;
  const url = new URL(config.url);
  return `${url.hostname}:${url.port || "3306"}`;
}

/** A driver failure as a sentence naming DATABASE_URL's host:port; undefined for anything else. */
export function describeConnectFailure(config: DatabaseConfig, error: unknown): DatabaseError | undefined {
  if (config.kind !== "mysql" || error instanceof DatabaseError) return error instanceof DatabaseError ? error : undefined;
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string") return undefined;
  const target = databaseTarget(config);
  const password = new URL(config.url).password;
  // Driver messages carry user and host, not the password; scrub it anyway in case one ever does.
  const said = (error instanceof Error ? error.message : String(error)).split(password || "\u0000").join("***");
  if (UNREACHABLE_CODES.has(code)) {
    return new DatabaseError(DatabaseErrorCode.UNREACHABLE, `Database ${target} (DATABASE_URL) is unreachable: ${code}`, { cause: error });
  }
  if (REFUSED_CODES.has(code)) {
    return new DatabaseError(DatabaseErrorCode.REFUSED, `Database ${target} (DATABASE_URL) refused the connection: ${code}: ${said}`, {
      cause: error,
    });
  }
  return undefined;
}

export interface ConnectOptions {
  retry: DatabaseRetryConfig;
  extras?: DataSourceExtras;
  /** Stops the waiting: the promise rejects once the current attempt or wait ends. */
  signal?: AbortSignal;
  /** Each failed attempt that will be retried, with the wait before the next. */
  onRetry?: (event: { error: DatabaseError; attempt: number; delayMs: number }) => void;
  now?: () => number;
}

/**
 * Opens the database (connects, migrates), waiting with capped exponential back-off while the
 * server does not answer, for at most `retry.giveUpAfterMs`. A server that answers no (bad
 * credentials, unknown database) and the SQLite file lock are not retried.
 */
export async function connectDatabase(config: DatabaseConfig, options: ConnectOptions): Promise<Database> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.retry.giveUpAfterMs;
  const worthWaiting = (error: Error) => error instanceof DatabaseError && error.code === DatabaseErrorCode.UNREACHABLE && now() < deadline;
  const policy = retry(handleWhen(worthWaiting), {
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: new ExponentialBackoff({ initialDelay: options.retry.baseMs, maxDelay: options.retry.maxMs }),
  }).dangerouslyUnref(); // a pending wait must not keep a stopped process alive
  const listener = policy.onRetry((event) => {
    if ("error" in event && event.error instanceof DatabaseError) {
      options.onRetry?.({ error: event.error, attempt: event.attempt, delayMs: event.delay });
    }
  });
  try {
    return await policy.execute(async ({ signal }) => {
      if (signal.aborted) throw new Error("Stopped while waiting for the database");
      try {
        const database = await Database.create(config, options.extras);
        await database.open();
        return database;
      } catch (error) {
        throw describeConnectFailure(config, error) ?? error;
      }
    }, options.signal);
  } finally {
    listener.dispose();
  }
}
