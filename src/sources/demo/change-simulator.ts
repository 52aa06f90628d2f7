import { faker } from "@faker-js/faker/locale/en_US";
import type { Logger } from "../../observability/logger";
import type { DemoAssociation } from "./demo-association";
import { applyDemoEdit, type SimulatedChangeKind } from "./demo-edits";

export type { SimulatedChangeKind } from "./demo-edits";

/** The two timer calls the simulator needs; tests pass fakes and call `tick()` by hand. */
export interface IntervalTimers {
  setInterval(callback: () => void, intervalMs: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Real timers, unreferenced so a running simulator never keeps a process alive on its own. */
export const REAL_INTERVAL_TIMERS: IntervalTimers = {
  setInterval: (callback, intervalMs) => setInterval(callback, intervalMs).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface SimulatedChange {
  memberKey: string;
  kind: SimulatedChangeKind;
}

export interface ChangeSimulatorOptions {
  association: DemoAssociation;
  /** Members edited per tick. */
  changesPerTick: number;
  /** 0 leaves the simulator off; `tick()` still works. */
  changeIntervalMs: number;
  /** Chooses members, kinds and new content; `Math.random` unless a test scripts it. */
  random?: () => number;
  timers?: IntervalTimers;
  logger?: Logger;
}

const KIND_WEIGHTS: ReadonlyArray<readonly [SimulatedChangeKind, number]> = [
  ["contact", 35],
  ["join-committee", 12],
  ["leave-committee", 10],
  ["renewal", 15],
  ["lapse", 10],
  ["deactivation", 6],
  ["reactivation", 10],
  ["removal", 2],
];
const TOTAL_WEIGHT = KIND_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
/** Draws before giving up on finding a member that is still in the AMS. */
const MAX_PICKS = 10;

/**
 * Edits a few members of the demo association every interval, as staff would in a real AMS:
 * contact changes, committee joins and departures, renewals, lapses, deactivations and, rarely,
 * a member removed altogether. Each edit stamps that member's LastUpdated with the clock's now.
 */
export class ChangeSimulator {
  private handle: unknown = undefined;
  private readonly random: () => number;
  private readonly timers: IntervalTimers;

  constructor(private readonly options: ChangeSimulatorOptions) {
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? REAL_INTERVAL_TIMERS;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  /** Starts ticking every `changeIntervalMs`; does nothing when that is 0 or it already runs. */
  start(): void {
    if (this.running || this.options.changeIntervalMs <= 0) return;
    this.handle = this.timers.setInterval(() => this.tick(), this.options.changeIntervalMs);
  }

  stop(): void {
    if (!this.running) return;
    this.timers.clearInterval(this.handle);
    this.handle = undefined;
  }

  /** One round of edits; returns what changed. */
  tick(): SimulatedChange[] {
    const changes: SimulatedChange[] = [];
    for (let n = 0; n < this.options.changesPerTick; n += 1) {
      const change = this.changeOne();
      if (change) changes.push(change);
    }
    if (changes.length > 0) this.options.logger?.debug({ changes }, "demo AMS members changed");
    return changes;
  }

  private changeOne(): SimulatedChange | undefined {
    const { association } = this.options;
    const memberKey = this.pickMember();
    if (memberKey === undefined) return undefined;
    const kind = this.pickKind();
    if (kind === "removal") {
      association.remove(memberKey);
      return { memberKey, kind };
    }
    // Content comes from faker, seeded from the injected randomness so a scripted test is repeatable.
    faker.seed(Math.floor(this.random() * 2 ** 32));
    const today = association.currentDay();
    let applied: SimulatedChangeKind = kind;
    association.update(memberKey, (record) => {
      const edited = applyDemoEdit(kind, record, today);
      if (edited !== null) return edited;
      applied = "contact";
      return applyDemoEdit("contact", record, today)!;
    });
    return { memberKey, kind: applied };
  }

  private pickMember(): string | undefined {
    const { association } = this.options;
    for (let pick = 0; pick < MAX_PICKS; pick += 1) {
      const key = association.keyAt(Math.floor(this.random() * association.size));
      if (!association.isRemoved(key)) return key;
    }
    return undefined;
  }

  private pickKind(): SimulatedChangeKind {
    let roll = this.random() * TOTAL_WEIGHT;
    for (const [kind, weight] of KIND_WEIGHTS) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return "contact";
  }
}
