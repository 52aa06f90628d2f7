import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { SyncConfig } from "../config/sync.config";
import { AdvisoryLocks } from "../db/advisory-lock";
import type { Database } from "../db/data-source";
import { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource } from "../sources/ams-source";
import type { Clock } from "../time/clock";
import { realTimers, type Timers } from "../time/timers";
import { ChangePoller } from "./change-poller";
import { CursorStore } from "./cursor-store";
import { EventPoller } from "./event-poller";
import { ExpirySweep } from "./expiry-sweep";
import { FullLoad } from "./full-load";
import { MemberWriter } from "./member-writer";
import { RefreshIntake } from "./refresh-intake";
import { RefreshQueue } from "./refresh-queue";
import { type BatchReport, RefreshWorker } from "./refresh-worker";
import { RunLedger } from "./run-ledger";
import { type EventChannel, SyncEvents } from "./sync-events";
import { SyncMaintenance } from "./sync-maintenance";
import { SyncRuleBook } from "./sync-rules";
import { SyncScheduler } from "./sync-scheduler";
import { SyncService } from "./sync.service";
import { LeaseStore } from "./lease-store";
import { LEADER_LEASE, Leadership, processLease } from "./leadership";

const MAINTENANCE_INTERVAL_MS = 60_000;
/** Longest an admin's poll queues behind another process's poll before it fails, saying so. */
const MANUAL_POLL_WAIT_MS = 10 * 60_000;

export interface SyncDeps {
  config: SyncConfig;
  database: Database;
  transactions?: TransactionRunner;
  source: AmsSource;
  clock: Clock;
  logger: Logger;
  channel: EventChannel;
  timers?: Timers;
  random?: () => number;
  /**
   * False when there is no AMS to poll (`AMS_SOURCE=spreadsheet`): the member and event polls are
   * never scheduled. True by default.
   */
  polls?: boolean;
  /**
   * Sync is driven by hand, the scheduler off (tests, benchmarks): a poll may take the leader
   * lease and write a load past the queue, as the scheduling process would. Otherwise a process
   * with sync off serves the graph only and never takes the lease (see ChangePollerDeps.leads).
   */
  drivenByHand?: boolean;
}

/** The parts of sync, for tests and tools that drive it by hand; the app uses `service`. */
export interface SyncInternals {
  readonly events: SyncEvents;
  readonly queue: RefreshQueue;
  readonly intake: RefreshIntake;
  readonly ledger: RunLedger;
  readonly poller: ChangePoller;
  readonly eventPoller: EventPoller;
  readonly sweep: ExpirySweep;
  readonly maintenance: SyncMaintenance;
  readonly rules: SyncRuleBook;
  readonly transactions: TransactionRunner;
  readonly leadership: Leadership;
  readonly leases: LeaseStore;
  worker(index: number): RefreshWorker;
}

/** Sync as the rest of the app sees it. */
export interface Sync {
  /** What GraphQL mutations and sign-on may ask of sync. */
  readonly service: SyncService;
  /** Starts polling and the workers (unless this process only serves the graph). */
  start(): void;
  /** Stops scheduling, lets work in flight finish, closes the source. */
  stop(): Promise<void>;
  /** Runs batches until nothing is due: for tests, benchmarks and tools that drive sync by hand. */
  drainQueue(worker?: number): Promise<BatchReport[]>;
  readonly internals: SyncInternals;
}

/** Assembles sync: the service the graph calls, and the scheduler that runs in the background. */
export function createSync(deps: SyncDeps): Sync {
  const { config, database, source, clock, logger } = deps;
  const dataSource = database.dataSource;
  const timers = deps.timers ?? realTimers;
  const transactions = deps.transactions ?? new TransactionRunner(database);
  const locks = new AdvisoryLocks(database);
  const rules = new SyncRuleBook(config.rules);
  const events = new SyncEvents(deps.channel);
  const instance = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leases = new LeaseStore(dataSource, transactions, clock);
  const leadership = new Leadership(leases, instance, config.leaderLeaseMs, logger, () => clock.now().getTime());
  const liveOwners = async (owners: string[]) => {
    const live = await leases.live(owners.map(processLease));
    return new Set(owners.filter((owner) => live.has(processLease(owner))));
  };
  const ledger = new RunLedger(dataSource, transactions, clock, events, logger, instance, liveOwners);
  const queue = new RefreshQueue(clock, queueSettings(config), deps.random);
  const cursors = new CursorStore(dataSource, transactions);
  let scheduler: SyncScheduler | undefined;
  let service: SyncService | undefined;
  const writer = new MemberWriter(rules, clock);
  const intake = new RefreshIntake({
    queue,
    ledger,
    transactions,
    writer,
    events,
    clock,
    onQueued: () => {
      scheduler?.wake();
      void service?.publishQueueState();
    },
  });
  const pollDeps = { transactions, locks, ledger, cursors, clock, logger, cursorOverlapMs: config.cursorOverlapMs, source };
  const fullLoad = new FullLoad({ source, dataSource, transactions, intake, cursors, events, clock, logger });
  const poller = new ChangePoller({
    ...pollDeps,
    dataSource,
    intake,
    intervalMs: config.refreshIntervalMs,
    fullLoad,
    // A graph-only process an admin's resync reached queues it: were it to take the leader lease,
    // it would run the load itself and, never renewing, keep the polling processes from leading
    // until the lease ran out.
    leads: async () => (config.enabled || deps.drivenByHand === true) && (await leadership.leads(clock.now().getTime())),
  });
  const eventPoller = new EventPoller({ ...pollDeps, intervalMs: config.eventRefreshIntervalMs });
  service = new SyncService({
    dataSource,
    intake,
    runs: ledger,
    cursors,
    poller,
    eventPoller,
    events,
    timers,
    waitTimeoutMs: config.waitTimeoutMs,
    pollWaitMs: MANUAL_POLL_WAIT_MS,
    leader: async () => (await leases.holder(LEADER_LEASE))?.holder ?? null,
  });
  const sweep = new ExpirySweep(dataSource, transactions, rules, clock, events, ledger);
  const maintenance = new SyncMaintenance(dataSource, transactions, ledger, clock, config.runRetentionMs);
  const workers = Array.from(
    { length: config.concurrency },
    (_, index) =>
      new RefreshWorker(
        {
          source,
          transactions,
          queue,
          writer,
          ledger,
          events,
          logger,
          timers,
          batchSize: config.batchSize,
          backlogBatchSize: config.backlogBatchSize,
          workers: config.concurrency,
          // Three renewals per lease: one may fail or be late without the lease running out.
          leaseRenewalMs: Math.max(1, Math.floor(config.leaseMs / 3)),
          onQueueMoved: () => service!.publishQueueState(),
        },
        `${instance}:${index}`,
      ),
  );
  let next = 0;
  const renewMs = Math.max(1, Math.floor(config.leaderLeaseMs / 3));
  const leaderOnly = (job: () => Promise<unknown>) => async () => ((await leadership.leads(clock.now().getTime())) ? job() : undefined);
  scheduler = new SyncScheduler({
    workers: config.concurrency,
    idleMs: config.queuePollMs,
    timers,
    logger,
    work: async () => (await workers[next++ % workers.length]!.runOnce()).claimed,
    jobs: [
      // The leader also fails, within one lease, the discoveries of processes that died.
      { name: "leases", intervalMs: renewMs, run: async () => (await leadership.renew()) && (await ledger.failAbandoned()) },
      // Leader-only jobs look often and act when due, so a new leader takes over within a renewal.
      ...(deps.polls === false
        ? []
        : [
            { name: "poll:members", intervalMs: Math.min(config.refreshIntervalMs, renewMs), run: leaderOnly(() => poller.pollWhenDue()) },
            {
              name: "poll:events",
              intervalMs: Math.min(config.eventRefreshIntervalMs, renewMs),
              run: leaderOnly(() => eventPoller.pollWhenDue()),
            },
          ]),
      { name: "expiry-sweep", intervalMs: config.expirySweepIntervalMs, run: leaderOnly(() => sweep.sweep()) },
      { name: "maintenance", intervalMs: MAINTENANCE_INTERVAL_MS, run: leaderOnly(() => maintenance.run()) },
    ],
  });
  let started = false;
  const worker = (index: number) => workers[index % workers.length]!;
  return {
    service,
    start() {
      if (!config.enabled || started) return;
      started = true;
      scheduler!.start();
    },
    async stop() {
      await scheduler!.stop();
      await service!.drain();
      if (started) await leadership.stepDown().catch((error: unknown) => logger.warn({ err: error }, "could not hand the leases back"));
      await source.close?.();
    },
    async drainQueue(index = 0) {
      const reports: BatchReport[] = [];
      for (;;) {
        const report = await worker(index).runOnce();
        if (report.claimed === 0) return reports;
        reports.push(report);
      }
    },
    internals: { leadership, leases, events, queue, intake, ledger, poller, eventPoller, sweep, maintenance, rules, transactions, worker },
  };
}

function queueSettings(config: SyncConfig) {
  return {
    leaseMs: config.leaseMs,
    policy: {
      maxAttempts: config.maxAttempts,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      outageHoldMs: config.backoffBaseMs,
    },
  };
}
