/** The scenarios `npm run bench` knows; `BENCH_ONLY=read,write` runs a subset. */
export const SCENARIOS = ["write", "read", "subscriptions", "push", "writeback", "federation", "csv"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ReadPathSettings {
  /** Demo members loaded (through the real refresh) before the read benchmark. */
  members: number;
  concurrency: number[];
  warmupMs: number;
  durationMs: number;
  repetitions: number;
  /** Pages a client walks (following endCursor) before it starts again at the first page. */
  pagesPerWalk: number;
}

export interface WritePathSettings {
  /** Full-load sizes; the last one is the memory check's large load. */
  sizes: number[];
  /** Repetitions per size, in the order of `sizes`. */
  repetitions: number[];
  /** Members edited for the incremental case. */
  changed: number;
}

export interface SubscriptionSettings {
  subscribers: number;
  /** Events published per repetition. */
  events: number;
  /** Gap between two events: long enough for one fan-out to finish before the next starts. */
  intervalMs: number;
  repetitions: number;
  /**
   * Events published and received before the first repetition, not measured: the first few
   * fan-outs after start run code V8 has not optimized yet (78 and 89 ms for the last send of the
   * first two, 42 ms a median one), as the read scenario's warm-up covers for queries.
   */
  warmupEvents: number;
}

export interface PushLatencySettings {
  ratePerSecond: number;
  durationMs: number;
  repetitions: number;
  /** Members written per repetition for the throughput ratio, pushed in batches of `batchSize`. */
  throughputMembers: number;
  batchSize: number;
}

export interface WritebackSettings {
  /** Completions per repetition, accepted in calls of 100. */
  completions: number;
  repetitions: number;
  /** recordCompletions calls in flight, and sends in flight (WRITEBACK_CONCURRENCY). */
  concurrency: number;
}

export interface FederationSettings {
  members: number;
  /** Member references per `_entities` request (and the page size it is compared with). */
  references: number;
  warmupMs: number;
  durationMs: number;
  repetitions: number;
}

export interface BenchConfig {
  quick: boolean;
  /** Never the shared `test` database: the bench drops every table in it. */
  databaseUrl: string;
  /** Demo association seed; both sides of every comparison use it. */
  seed: number;
  only: ScenarioName[];
  read: ReadPathSettings;
  write: WritePathSettings;
  subscriptions: SubscriptionSettings;
  push: PushLatencySettings;
  writeback: WritebackSettings;
  federation: FederationSettings;
  /** CSV import vs the refresh write path: row counts and repetitions. */
  csv: { sizes: Array<{ rows: number; repetitions: number }> };
  /** Where the machine-readable results go (a JSON file), if anywhere. */
  resultsFile: string | null;
}

const DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/amsgate_bench";

/** Reads the bench's own environment variables; the app's configuration is built per scenario. */
export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  const databaseUrl = env.BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (databaseName(databaseUrl) === "test") {
    throw new Error("BENCH_DATABASE_URL must not name the `test` database: the bench drops every table in it");
  }
  const only = (env.BENCH_ONLY ?? SCENARIOS.join(","))
    .split(",")
    .map((name) => name.trim())
    .filter((name): name is ScenarioName => (SCENARIOS as readonly string[]).includes(name));
  return {
    quick,
    databaseUrl,
    seed: Number(env.BENCH_SEED ?? 20261123),
    only,
    read: quick
      ? { members: 2_000, concurrency: [1, 16, 64], warmupMs: 1_000, durationMs: 3_000, repetitions: 1, pagesPerWalk: 10 }
      : { members: 10_000, concurrency: [1, 16, 64], warmupMs: 3_000, durationMs: 10_000, repetitions: 3, pagesPerWalk: 20 },
    write: writeSettings(quick, env.BENCH_WRITE_SIZES),
    subscriptions: quick
      ? { subscribers: 200, events: 10, intervalMs: 200, repetitions: 1, warmupEvents: 2 }
      : { subscribers: 1_000, events: 40, intervalMs: 250, repetitions: 3, warmupEvents: 10 },
    push: quick
      ? { ratePerSecond: 50, durationMs: 4_000, repetitions: 1, throughputMembers: 1_000, batchSize: 100 }
      : { ratePerSecond: 50, durationMs: 20_000, repetitions: 3, throughputMembers: 5_000, batchSize: 100 },
    writeback: quick ? { completions: 2_000, repetitions: 1, concurrency: 4 } : { completions: 10_000, repetitions: 3, concurrency: 4 },
    federation: quick
      ? { members: 1_000, references: 200, warmupMs: 500, durationMs: 2_000, repetitions: 1 }
      : { members: 2_000, references: 200, warmupMs: 2_000, durationMs: 8_000, repetitions: 3 },
    // 100k three times is long on a shared machine: 20k three times for the spread, 100k once for memory.
    csv: {
      sizes: quick
        ? [{ rows: 2_000, repetitions: 1 }]
        : [
            { rows: 20_000, repetitions: 3 },
            { rows: 100_000, repetitions: 1 },
          ],
    },
    resultsFile: env.BENCH_RESULTS_FILE ?? null,
  };
}

/** `BENCH_WRITE_SIZES=10000` loads only the named sizes (3 repetitions each), e.g. for a before/after pair. */
function writeSettings(quick: boolean, sizes: string | undefined): WritePathSettings {
  if (quick) return { sizes: [2_000], repetitions: [1], changed: 200 };
  // Five at 10,000 (about 4 s a load): the floors there sit near the machine's spread, and a
  // median of five moves less with one disturbed load than a median of three.
  if (!sizes) return { sizes: [10_000, 100_000], repetitions: [5, 2], changed: 1_000 };
  const picked = sizes.split(",").map((size) => Number(size.trim()));
  if (picked.some((size) => !Number.isInteger(size) || size <= 0)) throw new Error("BENCH_WRITE_SIZES must list whole member counts");
  return { sizes: picked, repetitions: picked.map(() => 3), changed: 1_000 };
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
}
