import type { Logger } from "../observability/logger";
import type { Timers } from "../time/timers";

export interface ScheduledJob {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
}

export interface SchedulerOptions {
  jobs: ScheduledJob[];
  workers: number;
  /** One batch of queue work; resolves to how many rows it took. */
  work: () => Promise<number>;
  /** How long an idle worker waits before looking again (it is also woken on local enqueues). */
  idleMs: number;
  timers: Timers;
  logger: Logger;
}

/**
 * Runs the periodic jobs (member poll, event poll, expiry sweep, run pruning) each at start and
 * then every interval, never two of one job at once; and keeps `workers` loops draining the
 * refresh queue, sleeping when it is empty until woken or the idle interval passes.
 */
export class SyncScheduler {
  private stopped = true;
  private readonly handles = new Map<string, unknown>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const job of this.options.jobs) this.schedule(job, 0);
    this.loops = Array.from({ length: this.options.workers }, (_, index) => this.loop(index));
  }

  /** Wakes idle workers now: work was just queued in this process. */
  wake(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Stops scheduling, wakes the workers so they exit, waits for work in flight to finish. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const handle of this.handles.values()) this.options.timers.clearTimeout(handle);
    this.handles.clear();
    this.wake();
    await Promise.allSettled([...this.loops, ...this.running]);
  }

  private schedule(job: ScheduledJob, delayMs: number): void {
    if (this.stopped) return;
    const handle = this.options.timers.setTimeout(() => {
      this.handles.delete(job.name);
      const pending = job
        .run()
        .catch((error: unknown) => this.options.logger.error({ err: error, job: job.name }, "scheduled job failed"))
        .finally(() => {
          this.running.delete(pending);
          this.schedule(job, job.intervalMs);
        });
      this.running.add(pending);
    }, delayMs);
    this.handles.set(job.name, handle);
  }

  private async loop(index: number): Promise<void> {
    while (!this.stopped) {
      let took = 0;
      try {
        took = await this.options.work();
      } catch (error) {
        this.options.logger.error({ err: error, worker: index }, "refresh worker batch failed");
      }
      if (took === 0 && !this.stopped) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        this.options.timers.clearTimeout(handle);
        resolve();
      };
      const handle = this.options.timers.setTimeout(wake, this.options.idleMs);
      this.sleepers.add(wake);
    });
  }
}
