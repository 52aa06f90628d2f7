import "reflect-metadata";
import { loadConfig } from "../../src/config/config";
import { Database } from "../../src/db/data-source";
import { TransactionRunner } from "../../src/db/transaction-runner";
import { createPubSubBundle } from "../../src/graph/pubsub";
import { createLogger } from "../../src/observability/logger";
import { createSource } from "../../src/sources/create-source";
import { createSync } from "../../src/sync/create-sync";
import { SystemClock } from "../../src/time/clock";
import { QueryCounter } from "../../test/support/query-counter";
import { countRows, type TableCounts } from "../support/bench-database";
import { serveChild } from "../support/child-rpc";
import { driveRefresh } from "../write-path/refresh-driver";
import { TimedSource } from "../write-path/timed.source";

export interface SourceLoadRequest {
  databaseUrl: string;
  /** The source's environment (AMS_SOURCE and its variables), as an operator would set it. */
  env: Record<string, string>;
}

export interface SourceLoadResult {
  members: number;
  totalMs: number;
  pollMs: number;
  /** Time spent inside the source's calls (listing and batch fetches), summed over workers. */
  sourceMs: number;
  statements: number;
  batches: number;
  failed: number;
  counts: TableCounts;
}

let cleanup: () => Promise<void> = async () => undefined;

/**
 * One full load in its own process: the real sync on MariaDB, fed by the configured
 * source over HTTP (the AMS runs in the parent process).
 */
async function load(request: SourceLoadRequest): Promise<SourceLoadResult> {
  const config = loadConfig({
    NODE_ENV: "production",
    DATABASE_URL: request.databaseUrl,
    SYNC_ENABLED: "false",
    LOG_LEVEL: "warn",
    ...request.env,
  });
  const logger = createLogger(config.logLevel);
  const clock = new SystemClock(config.timeZone);
  const counter = new QueryCounter();
  const database = await Database.create(config.database, { logger: counter });
  await database.open();
  const source = new TimedSource(createSource(config.source, { clock, logger }));
  const bus = createPubSubBundle(null, logger);
  const engine = createSync({
    config: config.sync,
    database,
    transactions: new TransactionRunner(database),
    source,
    clock,
    logger,
    channel: bus.channel,
    // Driven by hand below, the scheduler off: it loads past the queue, as the leader would.
    drivenByHand: true,
  });
  cleanup = async () => {
    await engine.stop();
    await database.close();
  };
  const outcome = await driveRefresh(engine, config.sync.concurrency, "PERIODIC");
  return {
    members: outcome.run.refreshed,
    totalMs: outcome.totalMs,
    pollMs: outcome.pollMs,
    sourceMs: source.totalMs,
    statements: counter.count,
    batches: outcome.batches,
    failed: outcome.run.failed,
    counts: await countRows((sql) => database.dataSource.query(sql)),
  };
}

serveChild({ load }, () => cleanup());
