import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { SyncConfig } from "../config/sync.config";
import { AdvisoryLocks } from "../db/advisory-lock";
import type { Database } from "../db/data-source";
import { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource } from "../sources/ams-source";
import type { Clock } from "../time/clock";
import { ChangePoller } from "./change-poller";
import { CursorStore } from "./cursor-store";
import { EventPoller } from "./event-poller";
import { ExpirySweep } from "./expiry-sweep";
import { MemberWriter } from "./member-writer";
import { RefreshQueue } from "./refresh-queue";
import { type BatchReport, RefreshWorker } from "./refresh-worker";
import { type EventChannel, SyncEvents } from "./sync-events";
import { SyncMaintenance } from "./sync-maintenance";
import { SyncRuns } from "./sync-runs";
import { realTimers, SyncScheduler, type Timers } from "./sync-scheduler";
import { SyncService } from "./sync.service";
import { SyncRuleBook } from "./sync-rules";

const MAINTENANCE_INTERVAL_MS = 60_000;

export interface SyncEngineDeps {
  config: SyncConfig;
  database: Database;
  transactions?: TransactionRunner;
  source: AmsSource;
  clock: Clock;
  logger: Logger;
  channel: EventChannel;
  timers?: Timers;
  random?: () => number;
}

/** Sync, assembled: the service the graph calls, and the scheduler that runs in the background. */
export class SyncEngine {
  readonly events: SyncEvents;
  readonly runs: SyncRuns;
  readonly queue: RefreshQueue;
  readonly service: SyncService;
  readonly poller: ChangePoller;
  readonly eventPoller: EventPoller;
  readonly sweep: ExpirySweep;
  readonly maintenance: SyncMaintenance;
  readonly rules: SyncRuleBook;
  readonly transactions: TransactionRunner;
  private readonly scheduler: SyncScheduler;
  private readonly workers: RefreshWorker[];
  private started = false;

  constructor(private readonly deps: SyncEngineDeps) {
    const { config, database, source, clock, logger } = deps;
    const dataSource = database.dataSource;
    this.transactions = deps.transactions ?? new TransactionRunner(database);
    const locks = new AdvisoryLocks(database);
    this.rules = new SyncRuleBook(config.rules);
    this.events = new SyncEvents(deps.channel);
    this.runs = new SyncRuns(dataSource, this.transactions, clock, this.events, logger);
    this.queue = new RefreshQueue(clock, config, deps.random);
    const cursors = new CursorStore(dataSource, this.transactions);
    const wake = () => this.scheduler.wake();
    this.poller = new ChangePoller({
      source, dataSource, transactions: this.transactions, locks, queue: this.queue, runs: this.runs, cursors, clock, logger,
      cursorOverlapMs: config.cursorOverlapMs,
      onQueued: () => {
        wake();
        void this.service.publishQueueState();
      },
    });
    this.eventPoller = new EventPoller({ source, transactions: this.transactions, locks, runs: this.runs, cursors, clock, logger, cursorOverlapMs: config.cursorOverlapMs });
    this.service = new SyncService({
      dataSource, transactions: this.transactions, queue: this.queue, runs: this.runs, cursors, poller: this.poller,
      eventPoller: this.eventPoller, events: this.events, waitTimeoutMs: config.waitTimeoutMs, wake,
      timers: deps.timers ?? realTimers,
    });
    this.sweep = new ExpirySweep(dataSource, this.transactions, this.rules, clock, this.events, this.runs);
    this.maintenance = new SyncMaintenance(dataSource, this.transactions, this.runs, clock, config.runRetentionMs);
    const writer = new MemberWriter(this.rules, clock);
    const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.workers = Array.from({ length: config.concurrency }, (_, index) =>
      new RefreshWorker(
        {
          source, transactions: this.transactions, queue: this.queue, writer, runs: this.runs, events: this.events, logger,
          batchSize: config.batchSize,
          outageBackoffMs: config.backoffBaseMs,
          onQueueMoved: () => this.service.publishQueueState(),
        },
        `${instance}:${index}`,
      ),
    );
    let next = 0;
    this.scheduler = new SyncScheduler({
      workers: config.concurrency,
      idleMs: config.queuePollMs,
      timers: deps.timers ?? realTimers,
      logger,
      work: async () => (await this.workers[next++ % this.workers.length]!.runOnce()).claimed,
      jobs: [
        { name: "poll:members", intervalMs: config.refreshIntervalMs, run: () => this.poller.pollWhenDue() },
        { name: "poll:events", intervalMs: config.eventRefreshIntervalMs, run: () => this.eventPoller.poll() },
        { name: "expiry-sweep", intervalMs: config.expirySweepIntervalMs, run: () => this.sweep.sweep() },
        { name: "maintenance", intervalMs: MAINTENANCE_INTERVAL_MS, run: () => this.maintenance.run() },
      ],
    });
  }

  /** Starts polling and the workers (unless this process only serves the graph). */
  start(): void {
    if (!this.deps.config.enabled || this.started) return;
    this.started = true;
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.service.drain();
    await this.deps.source.close?.();
  }

  /**
   * Runs batches until the queue has nothing due; for tests, benchmarks and tools that drive
   * sync by hand instead of through the scheduler.
   */
  async drainQueue(worker = 0): Promise<BatchReport[]> {
    const reports: BatchReport[] = [];
    for (;;) {
      const report = await this.workers[worker % this.workers.length]!.runOnce();
      if (report.claimed === 0) return reports;
      reports.push(report);
    }
  }

  worker(index: number): RefreshWorker {
    return this.workers[index % this.workers.length]!;
  }
}
