import "reflect-metadata";
import { loadConfig } from "../../src/config/config";
import { Database } from "../../src/db/data-source";
import { TransactionRunner } from "../../src/db/transaction-runner";
import { createPubSubBundle } from "../../src/graph/pubsub";
import { createLogger } from "../../src/observability/logger";
import { createSource } from "../../src/sources/create-source";
import { createSync } from "../../src/sync/create-sync";
import { SystemClock } from "../../src/time/clock";
import { countRows } from "../support/bench-database";
import { serveChild } from "../support/child-rpc";
import { driveRefresh } from "../write-path/refresh-driver";
import type { SourceLoadRequest, SourceLoadResult } from "./personify-source.types";

let cleanup: () => Promise<void> = async () => undefined;

/**
 * One full load in its own process: the configured source (as `createSource` builds it from the
 * environment) feeding the real sync on MariaDB, timed from the first poll until every
 * member is committed.
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
  const database = await Database.create(config.database);
  await database.open();
  const source = createSource(config.source, { clock, logger });
  const engine = createSync({
    config: config.sync,
    database,
    transactions: new TransactionRunner(database),
    source,
    clock,
    logger,
    channel: createPubSubBundle(null, logger).channel,
    // Driven by hand below, the scheduler off: it loads past the queue, as the leader would.
    drivenByHand: true,
  });
  cleanup = async () => {
    await engine.stop();
    await source.close?.();
    await database.close();
  };
  const outcome = await driveRefresh(engine, config.sync.concurrency, "PERIODIC");
  const { run } = outcome;
  if (run.status !== "SUCCEEDED" || run.refreshed < request.members) {
    throw new Error(
      `${config.source.kind} load ended ${run.status} with ${run.refreshed} of ${request.members} refreshed (failed ${run.failed})`,
    );
  }
  return {
    members: request.members,
    totalMs: outcome.totalMs,
    pollMs: outcome.pollMs,
    batches: outcome.batches,
    refreshed: run.refreshed,
    failed: run.failed,
    counts: await countRows((sql) => database.dataSource.query(sql)),
  };
}

serveChild({ load }, () => cleanup());
