import type { TableCounts } from "../support/bench-database";
import type { MemoryPeak } from "../support/memory-sampler";
import type { ProcessUsage } from "../support/process-usage";

export interface AmsgateLoadRequest {
  databaseUrl: string;
  seed: number;
  members: number;
  /** Pre-generated records to replay instead of generating them during the load. */
  recordFile: string | null;
  /** Members to edit and refresh after the full load (demo source only); 0 for none. */
  changed: number;
  /** Extra amsgate settings (e.g. REFRESH_BATCH_SIZE), as an operator would set them. */
  env?: Record<string, string>;
}

export interface RawLoadRequest {
  databaseUrl: string;
  seed: number;
  members: number;
  recordFile: string;
  changed: number;
}

/** One timed load: a full load, or the incremental refresh after it. */
export interface PhaseResult {
  members: number;
  totalMs: number;
  /** amsgate: listing and queueing; 0 for the raw baseline, which has no poll. */
  pollMs: number;
  /** Time spent inside the source (generating or reading records), part of `totalMs`. */
  sourceMs: number;
  statements: number;
  batches: number;
  run: { discovered: number; queued: number; refreshed: number; unchanged: number; failed: number } | null;
  /** Rows in every cache table once the phase was over (counted outside the timing). */
  counts: TableCounts;
  /**
   * The loading process's CPU, heap allocation and GC over the phase. amsgate: source reads,
   * mapping and every write; raw: reading the records and amsgate's row mapping (untimed) plus its SQL.
   */
  usage: ProcessUsage;
}

export interface AmsgateLoadResult {
  variant: "amsgate-demo" | "amsgate-pregenerated";
  members: number;
  workers: number;
  batchSize: number;
  full: PhaseResult;
  incremental: PhaseResult | null;
  memory: MemoryPeak;
  startRssMb: number;
}

export interface RawLoadResult {
  variant: "raw";
  members: number;
  chunkSize: number;
  full: PhaseResult;
  incremental: PhaseResult | null;
  /** Untimed: amsgate's row mapping and derivation for the full load, run ahead of each timed chunk. */
  mappingMs: number;
  memory: MemoryPeak;
  startRssMb: number;
}

export interface GenerateResult {
  members: number;
  ms: number;
  bytes: number;
}
