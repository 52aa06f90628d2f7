import "reflect-metadata";
import { type App, buildApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import type { SyncRunSnapshot } from "../../src/sync/sync-events";
import { QueryCounter } from "../../test/support/query-counter";
import { serveChild } from "./child-rpc";
import { settledMemoryMb } from "./memory-sampler";
import { usageHandlers } from "./process-usage";

let app: App | undefined;
const counter = new QueryCounter();

/**
 * amsgate as it runs in production (NODE_ENV=production, real HTTP and WebSocket on loopback),
 * serving the graph only (sync off, as in a graph-serving process), with the tests' QueryCounter
 * as the database logger. Log level warn keeps the bench output readable; amsgate logs
 * successful operations at debug, so the hot path is the same at info.
 */
async function start(request: { databaseUrl: string; adminKey: string }): Promise<{ url: string }> {
  const config = loadConfig({
    NODE_ENV: "production",
    AMS_SOURCE: "demo",
    DATABASE_URL: request.databaseUrl,
    ADMIN_API_KEYS: request.adminKey,
    SYNC_ENABLED: "false",
    DEMO_CHANGE_INTERVAL: "0",
    LOG_LEVEL: "warn",
    ...benchSettings(),
  });
  app = await buildApp(config, { database: { logger: counter } });
  const { port } = await app.start(0, "127.0.0.1");
  return { url: `http://127.0.0.1:${port}/graphql` };
}

/**
 * `BENCH_AMSGATE_ENV="GRAPHQL_QUERY_LANE=false GRAPHQL_COMPILE=false"`: settings over the ones
 * above, to measure one switch against the default in the same session (see BENCHMARKS.md).
 */
function benchSettings(): Record<string, string> {
  const pairs = (process.env.BENCH_AMSGATE_ENV ?? "").split(/\s+/).filter((pair) => pair.includes("="));
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
}

/** The moment of publication, on a clock every process on this machine shares (ms since the epoch). */
const epochNow = () => performance.timeOrigin + performance.now();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes `count` sync-run snapshots through the engine's SyncEvents, the path every real
 * run change takes to subscribers; `detail` carries the sequence number and publish instant.
 */
async function publish(request: { firstSeq: number; count: number; intervalMs: number }): Promise<number> {
  const events = app!.sync.internals.events;
  for (let n = 0; n < request.count; n += 1) {
    const seq = request.firstSeq + n;
    const now = new Date();
    const run: SyncRunSnapshot = {
      id: "bench-run",
      kind: "PERIODIC",
      status: "RUNNING",
      detail: JSON.stringify({ seq, at: epochNow() }),
      startedAt: now.toISOString(),
      finishedAt: null,
      discovered: seq,
      queued: 0,
      refreshed: 0,
      unchanged: 0,
      failed: 0,
    };
    events.runChanged(run);
    if (n < request.count - 1) await sleep(request.intervalMs);
  }
  return request.count;
}

serveChild(
  {
    start,
    publish,
    statements: () => counter.count,
    memory: () => settledMemoryMb(),
    ...usageHandlers(),
  },
  async () => {
    await app?.stop();
  },
);
