import type { Timers } from "../../src/time/timers";
import type { ManualClock } from "../../src/time/clock";

/** Timers that fire only when the test moves the clock: no real waiting. */
export class ManualTimers implements Timers {
  private next = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  constructor(private readonly clock: ManualClock) {}

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.clock.now().getTime() + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Moves the clock and runs, in time order, every timer that comes due. */
  advance(ms: number): void {
    const target = this.clock.now().getTime() + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.clock.set(new Date(due[1].at));
      due[1].callback();
    }
    this.clock.set(new Date(target));
  }
}
