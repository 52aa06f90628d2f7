import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { WritebackConfig } from "../config/writeback.config";
import type { Database } from "../db/data-source";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource } from "../sources/ams-source";
import type { EventChannel } from "../sync/sync-events";
import type { Clock } from "../time/clock";
import { realTimers, type Timers } from "../time/timers";
import { CompletionIntake } from "./completion-intake";
import { WritebackDispatcher } from "./writeback-dispatcher";
import { WritebackEvents } from "./writeback-events";
import { WritebackOutbox } from "./writeback-outbox";
import { WritebackScheduler } from "./writeback-scheduler";
import { WritebackService } from "./writeback.service";
import { WritebackStore } from "./writeback-store";

export interface WritebackDeps {
  config: WritebackConfig;
  timeZone: string;
  database: Database;
  transactions: TransactionRunner;
  source: AmsSource;
  clock: Clock;
  logger: Logger;
  channel: EventChannel;
  timers?: Timers;
  random?: () => number;
}

/** Writeback as the app sees it. */
export interface Writeback {
  readonly service: WritebackService;
  readonly dispatcher: WritebackDispatcher;
  /** Starts dispatching (unless WRITEBACK_ENABLED is off for this process). */
  start(): void;
  /** Resolves once the dispatcher is between runs: for tests that move timers by hand. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Assembles the outbox, the intake the graph calls, and the dispatcher with its schedule. */
export function createWriteback(deps: WritebackDeps): Writeback {
  const { config, transactions, clock, logger } = deps;
  const timers = deps.timers ?? realTimers;
  const store = new WritebackStore(deps.database.dataSource);
  const events = new WritebackEvents(deps.channel);
  const outbox = new WritebackOutbox(
    clock,
    {
      leaseMs: config.leaseMs,
      policy: {
        maxAttempts: config.maxAttempts,
        backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
        outageHoldMs: config.backoffBaseMs,
      },
    },
    deps.random,
  );
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}:writeback`;
  const dispatcher = new WritebackDispatcher(
    {
      source: deps.source,
      transactions,
      outbox,
      store,
      events,
      logger,
      timers,
      batchSize: config.batchSize,
      concurrency: config.concurrency,
      // Three renewals per lease: one may fail or be late without the lease running out.
      leaseRenewalMs: Math.max(1, Math.floor(config.leaseMs / 3)),
    },
    owner,
  );
  const scheduler = new WritebackScheduler({
    mode: config.mode,
    schedule: config.schedule,
    pollMs: config.pollMs,
    timeZone: deps.timeZone,
    clock,
    timers,
    logger,
    drain: () => dispatcher.drain(),
  });
  const intake = new CompletionIntake({
    transactions,
    clock,
    onAccepted: (accepted) => {
      events.changed(accepted);
      scheduler.wake();
    },
  });
  const service = new WritebackService({
    intake,
    store,
    outbox,
    transactions,
    events,
    source: deps.source,
    maxBatchInputs: config.maxBatchInputs,
    onRetried: () => scheduler.wake(),
  });
  let started = false;
  return {
    service,
    dispatcher,
    start() {
      if (!config.enabled || started) return;
      started = true;
      scheduler.start();
    },
    idle: () => scheduler.idle(),
    async stop() {
      await scheduler.stop();
    },
  };
}
