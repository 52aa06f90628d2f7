import "reflect-metadata";
import { loadConfig } from "../../src/config/config";
import { Database } from "../../src/db/data-source";
import { TransactionRunner } from "../../src/db/transaction-runner";
import { createPubSubBundle } from "../../src/graph/pubsub";
import { createLogger } from "../../src/observability/logger";
import type { AmsSource } from "../../src/sources/ams-source";
import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { DemoSource } from "../../src/sources/demo/demo.source";
import { createSync, type Sync } from "../../src/sync/create-sync";
import { SystemClock } from "../../src/time/clock";
import { QueryCounter } from "../../test/support/query-counter";
import { countRows, type TableCounts } from "../support/bench-database";
import { BENCH_ADMIN_KEY } from "../support/production-runtime";
import { serveChild } from "../support/child-rpc";
import { startMemorySampler } from "../support/memory-sampler";
import { startUsage } from "../support/process-usage";
import { applyMemberEdits } from "./member-edits.plan";
import { RecordFileReader } from "./record-file";
import { driveRefresh } from "./refresh-driver";
import { ReplaySource } from "./replay.source";
import { TimedSource } from "./timed.source";
import type { AmsgateLoadRequest, AmsgateLoadResult, PhaseResult } from "./write-path.types";

let cleanup: () => Promise<void> = async () => undefined;

/**
 * One amsgate load in its own process: the real sync (ChangePoller, RefreshQueue,
 * RefreshWorker, MemberWriter) on MariaDB, fed by the demo source (records generated as they are
 * fetched) or by the same records pre-generated. Statements are counted with the tests'
 * QueryCounter; this process's memory is sampled throughout.
 */
async function load(request: AmsgateLoadRequest): Promise<AmsgateLoadResult> {
  const config = loadConfig({
    NODE_ENV: "production",
    AMS_SOURCE: "demo",
    // No HTTP here; production only insists that someone could administer it.
    ADMIN_API_KEYS: BENCH_ADMIN_KEY,
    DATABASE_URL: request.databaseUrl,
    SYNC_ENABLED: "false",
    DEMO_CHANGE_INTERVAL: "0",
    LOG_LEVEL: "warn",
    ...request.env,
  });
  const logger = createLogger(config.logLevel);
  const clock = new SystemClock(config.timeZone);
  const counter = new QueryCounter();
  const database = await Database.create(config.database, { logger: counter });
  await database.open();
  const association = new DemoAssociation({ seed: request.seed, members: request.members, clock });
  const records = request.recordFile ? await RecordFileReader.open(request.recordFile) : undefined;
  const inner: AmsSource = records ? new ReplaySource(association, records) : new DemoSource(association);
  const source = new TimedSource(inner);
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
    records?.close();
  };

  const startRssMb = process.memoryUsage().rss / 1024 ** 2;
  const sampler = startMemorySampler();
  const count = () => countRows((sql) => database.dataSource.query(sql));
  const full = await phase(engine, source, counter, config.sync.concurrency, request.members, count);
  const memory = sampler.stop();

  let incremental: PhaseResult | null = null;
  if (request.changed > 0 && !records) {
    const edited = applyMemberEdits(association, request.changed);
    incremental = await phase(engine, source, counter, config.sync.concurrency, edited.length, count);
  }
  return {
    variant: records ? "amsgate-pregenerated" : "amsgate-demo",
    members: request.members,
    workers: config.sync.concurrency,
    batchSize: config.sync.batchSize,
    full,
    incremental,
    memory,
    startRssMb,
  };
}

async function phase(
  engine: Sync,
  source: TimedSource,
  counter: QueryCounter,
  workers: number,
  expected: number,
  count: () => Promise<TableCounts>,
): Promise<PhaseResult> {
  const statementsBefore = counter.count;
  const sourceBefore = source.totalMs;
  const meter = startUsage();
  const outcome = await driveRefresh(engine, workers, "PERIODIC");
  const usage = meter.stop();
  const { run } = outcome;
  if (run.status !== "SUCCEEDED" || run.refreshed < expected) {
    throw new Error(`refresh run ended ${run.status} with ${run.refreshed} refreshed of ${expected} expected (failed ${run.failed})`);
  }
  const sourceMs = source.totalMs - sourceBefore;
  const statements = counter.count - statementsBefore;
  return {
    members: run.refreshed,
    totalMs: outcome.totalMs,
    pollMs: outcome.pollMs,
    sourceMs,
    statements,
    batches: outcome.batches,
    run: { discovered: run.discovered, queued: run.queued, refreshed: run.refreshed, unchanged: run.unchanged, failed: run.failed },
    counts: await count(),
    usage,
  };
}

serveChild({ load }, () => cleanup());
