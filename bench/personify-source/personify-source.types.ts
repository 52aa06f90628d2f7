import type { TableCounts } from "../support/bench-database";

/** Which AMS the full load reads: the JSON source protocol, or Personify Data Services. */
export type SourceVariant = "rest" | "personify";

export interface FakeAmsRequest {
  variant: SourceVariant;
  seed: number;
  members: number;
}

/** Where the loaded fake listens, as the variables amsgate is started with. */
export interface FakeAmsStarted {
  env: Record<string, string>;
  /** Time to build the fake's data (untimed for the comparison). */
  setupMs: number;
}

export interface SourceLoadRequest {
  databaseUrl: string;
  members: number;
  env: Record<string, string>;
}

export interface SourceLoadResult {
  members: number;
  totalMs: number;
  pollMs: number;
  batches: number;
  refreshed: number;
  failed: number;
  counts: TableCounts;
}
