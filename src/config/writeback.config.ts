import { parseDurationMs } from "./duration";
import type { EnvReader } from "./env-readers";

/** When the dispatcher sends: as soon as a completion is committed, or on a schedule. */
export type WritebackSchedule =
  /** Every `everyMs` from the process's start. */
  | { kind: "interval"; everyMs: number }
  /** At the top of every hour (UTC). */
  | { kind: "hourly" }
  /** Once a day at `hour`:00 in the association's time zone. */
  | { kind: "nightly"; hour: number };

export interface WritebackConfig {
  /** Off: this process accepts completions but never sends them (another process does). */
  enabled: boolean;
  mode: "immediate" | "batch";
  /** Batch mode only. */
  schedule: WritebackSchedule;
  /** Immediate mode: how often an idle dispatcher looks for rows other processes committed or retries come due. */
  pollMs: number;
  /** Rows one claim takes. */
  batchSize: number;
  /** Sends in flight at once per process. */
  concurrency: number;
  /** How long a claimed row is this process's while it sends; renewed while the AMS answers. */
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Most completions one `recordCompletions` call takes. */
  maxBatchInputs: number;
}

/** The nightly hour when `WRITEBACK_SCHEDULE=nightly` names none. */
const DEFAULT_NIGHTLY_HOUR = 2;

/**
 * `hourly`, `nightly`, `nightly@03` (hour in ASSOCIATION_TIME_ZONE) or an interval with its unit
 * (`15m`); undefined when it is none of these.
 */
export function parseWritebackSchedule(text: string): WritebackSchedule | undefined {
  const lowered = text.trim().toLowerCase();
  if (lowered === "hourly") return { kind: "hourly" };
  const nightly = /^nightly(?:@(\d{1,2}))?$/.exec(lowered);
  if (nightly) {
    const hour = nightly[1] === undefined ? DEFAULT_NIGHTLY_HOUR : Number(nightly[1]);
    return hour <= 23 ? { kind: "nightly", hour } : undefined;
  }
  const everyMs = parseDurationMs(lowered);
  return everyMs !== undefined && everyMs >= 1_000 ? { kind: "interval", everyMs } : undefined;
}

/** WRITEBACK_* variables; the dispatcher runs where sync runs unless WRITEBACK_ENABLED says otherwise. */
export function readWritebackConfig(read: EnvReader, syncEnabled: boolean): WritebackConfig {
  const mode = read.oneOf("WRITEBACK_MODE", ["immediate", "batch"] as const, "immediate");
  const scheduleText = read.string("WRITEBACK_SCHEDULE", "hourly");
  let schedule = parseWritebackSchedule(scheduleText);
  if (schedule === undefined) {
    read.problem(
      `WRITEBACK_SCHEDULE must be hourly, nightly, nightly@<hour 0-23> or an interval of at least 1s with a unit such as 15m (got "${scheduleText}")`,
    );
    schedule = { kind: "hourly" };
  }
  return {
    enabled: read.bool("WRITEBACK_ENABLED", syncEnabled),
    mode,
    schedule,
    pollMs: read.durationMs("WRITEBACK_POLL", 2_000, 10),
    batchSize: read.int("WRITEBACK_BATCH_SIZE", 100, 1, 1_000),
    concurrency: read.int("WRITEBACK_CONCURRENCY", 4, 1, 64),
    leaseMs: read.durationMs("WRITEBACK_LEASE", 2 * 60_000, 100),
    maxAttempts: read.int("WRITEBACK_MAX_ATTEMPTS", 8, 1, 100),
    backoffBaseMs: read.durationMs("WRITEBACK_BACKOFF_BASE", 30_000),
    backoffMaxMs: read.durationMs("WRITEBACK_BACKOFF_MAX", 6 * 60 * 60_000),
    maxBatchInputs: read.int("WRITEBACK_MAX_BATCH", 100, 1, 1_000),
  };
}
