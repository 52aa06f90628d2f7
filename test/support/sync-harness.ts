import { type DatabaseConfig, loadConfig } from "../../src/config/config";
import type { SyncConfig } from "../../src/config/sync.config";
import { Database } from "../../src/db/data-source";
import { TransactionRunner } from "../../src/db/transaction-runner";
import { createLogger, type Logger } from "../../src/observability/logger";
import type { AmsSource } from "../../src/sources/ams-source";
import type { RefreshQueue } from "../../src/sync/refresh-queue";
import { createSync, type Sync } from "../../src/sync/create-sync";
import type { EventChannel } from "../../src/sync/sync-events";
import { ManualClock } from "../../src/time/clock";
import { createPubSubBundle } from "../../src/graph/pubsub";
import { mysqlConfig, resetDatabase } from "./database";

export const QUIET = createLogger("silent");

/** Sync settings for tests: no scheduler timers, small batches, quick back-off. */
export function testSyncConfig(env: Record<string, string> = {}): SyncConfig {
  return loadConfig({
    NODE_ENV: "test",
    SYNC_ENABLED: "false",
    REFRESH_BATCH_SIZE: "10",
    REFRESH_MAX_ATTEMPTS: "3",
    REFRESH_BACKOFF_BASE: "1s",
    REFRESH_LEASE: "1m",
    ...env,
  }).sync;
}

export interface SyncHarness {
  database: Database;
  engine: Sync;
  clock: ManualClock;
  channel: EventChannel;
  queue: RefreshQueue;
  close(): Promise<void>;
}

/** A sync engine on a fresh MariaDB, driven by hand (no scheduler) with a manual clock. */
export async function startSyncHarness(
  source: AmsSource,
  options: {
    env?: Record<string, string>;
    clock?: ManualClock;
    keepData?: boolean;
    channel?: EventChannel;
    database?: DatabaseConfig;
    logger?: Logger;
  } = {},
): Promise<SyncHarness> {
  const databaseConfig = options.database ?? mysqlConfig();
  if (!options.keepData) await resetDatabase(databaseConfig);
  const database = await Database.create(databaseConfig);
  await database.open();
  const clock = options.clock ?? new ManualClock("2026-11-23T12:00:00.000Z");
  // The app's own in-process pub/sub, so sync's tests hear events as production does.
  const channel: EventChannel = options.channel ?? createPubSubBundle(null, QUIET).channel;
  const config = testSyncConfig(options.env);
  const engine = createSync({
    config,
    database,
    transactions: new TransactionRunner(database),
    source,
    clock,
    logger: options.logger ?? QUIET,
    channel,
    random: () => 0.5,
    drivenByHand: true,
  });
  return {
    database,
    engine,
    clock,
    channel,
    queue: engine.internals.queue,
    close: async () => {
      await engine.stop();
      await database.close();
    },
  };
}
