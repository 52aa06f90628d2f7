import type { WritebackSchedule } from "../config/writeback.config";
import type { Logger } from "../observability/logger";
import type { Clock } from "../time/clock";
import type { Timers } from "../time/timers";
import { nextScheduledRun } from "./writeback-schedule";

export interface WritebackSchedulerDeps {
  mode: "immediate" | "batch";
  schedule: WritebackSchedule;
  pollMs: number;
  timeZone: string;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** Sends everything due. */
  drain: () => Promise<unknown>;
}

/**
 * When the dispatcher runs. Immediate: at once when woken (a commit in this process), and every
 * `pollMs` for rows other processes committed and retries that came due. Batch: at each
 * scheduled instant (hourly, nightly or an interval); a wake does nothing then. Runs never
 * overlap: a wake during a run runs once more after it.
 */
export class WritebackScheduler {
  private handle: unknown;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: WritebackSchedulerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.deps.mode === "immediate") this.wake();
    else this.arm();
  }

  /** A completion was committed: send now (immediate mode). */
  wake(): void {
    if (this.stopped || this.deps.mode !== "immediate") return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.deps.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.running = this.run();
  }

  /** Resolves once no run is in progress (a run a wake or a timer started included). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.timers.clearTimeout(this.handle);
    this.handle = undefined;
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.deps
          .drain()
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, "writeback dispatch failed; trying again later"));
      } while (this.again && !this.stopped);
    } finally {
      this.running = undefined;
      this.arm();
    }
  }

  private arm(): void {
    if (this.stopped) return;
    const { mode, schedule, pollMs, timeZone, clock, timers } = this.deps;
    const now = clock.now();
    const delayMs = mode === "immediate" ? pollMs : Math.max(0, nextScheduledRun(schedule, now, timeZone).getTime() - now.getTime());
    this.handle = timers.setTimeout(() => {
      this.handle = undefined;
      if (this.running || this.stopped) return;
      this.running = this.run();
    }, delayMs);
  }
}
