import path from "node:path";
import { BENCH_ADMIN_KEY } from "../read-path/page.query";
import type { BenchConfig } from "../support/bench-config";
import { freshSchema } from "../support/bench-database";
import { type ChildHandle, startChild } from "../support/child-rpc";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import { percentile, sortedCopy } from "../support/stats";

interface Memory {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
}

export interface SubscriptionRun {
  repetition: number;
  events: number;
  receipts: number;
  expected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Per event, when its last subscriber got it: the fan-out's length. Median over events. */
  medianFanOutMs: number;
}

export interface SubscriptionResult {
  subscribers: number;
  connectMs: number;
  memoryBefore: Memory;
  memoryAfter: Memory;
  perConnectionKb: { rss: number; heapUsed: number };
  runs: SubscriptionRun[];
}

const HERE = __dirname;
const LIVE_TIMEOUT_MS = 60_000;
const DELIVERY_GRACE_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * 1,000 graphql-ws subscribers on syncProgress, in a process of their own, against amsgate in
 * another. Events go through the engine's SyncEvents (the app's real pub/sub path) with their
 * publish instant inside; memory per idle connection is the server's settled (after GC) memory
 * with the subscribers connected, less before, divided by their number.
 */
export async function runSubscriptions(config: BenchConfig, log: (line: string) => void): Promise<SubscriptionResult> {
  const { subscribers, events, intervalMs, repetitions, warmupEvents } = config.subscriptions;
  await freshSchema(config.databaseUrl);
  const server = await startChild(path.join(HERE, "..", "support", "amsgate-server.child.js"), {
    execArgv: ["--expose-gc", ...PRODUCTION_RUNTIME.execArgv],
    env: PRODUCTION_RUNTIME.env,
  });
  let clients: ChildHandle | undefined;
  try {
    const { url } = await server.call<{ url: string }>("start", { databaseUrl: config.databaseUrl, adminKey: BENCH_ADMIN_KEY });
    await sleep(500);
    const memoryBefore = await server.call<Memory>("memory");
    clients = await startChild(path.join(HERE, "subscribers.child.js"));
    const { ms: connectMs } = await clients.call<{ ms: number }>("connect", { url, adminKey: BENCH_ADMIN_KEY, count: subscribers });
    let seq = await waitUntilLive(server, clients, subscribers);
    await clients.call("take", { fromSeq: 0, events: seq });
    await sleep(1_000);
    const memoryAfter = await server.call<Memory>("memory");
    const perConnectionKb = {
      rss: ((memoryAfter.rssMb - memoryBefore.rssMb) * 1024) / subscribers,
      heapUsed: ((memoryAfter.heapUsedMb - memoryBefore.heapUsedMb) * 1024) / subscribers,
    };
    log(
      `subscriptions: ${subscribers} connected in ${(connectMs / 1000).toFixed(1)} s; ${perConnectionKb.rss.toFixed(1)} KB RSS, ${perConnectionKb.heapUsed.toFixed(1)} KB heap per connection`,
    );

    if (warmupEvents > 0) {
      await server.call("publish", { firstSeq: seq, count: warmupEvents, intervalMs }, warmupEvents * intervalMs + 60_000);
      seq += warmupEvents;
      await sleep(DELIVERY_GRACE_MS);
      await clients.call("take", { fromSeq: 0, events: seq });
    }

    const runs: SubscriptionRun[] = [];
    for (let repetition = 0; repetition < repetitions; repetition += 1) {
      const firstSeq = seq;
      await server.call("publish", { firstSeq, count: events, intervalMs }, events * intervalMs + 60_000);
      seq += events;
      await sleep(DELIVERY_GRACE_MS);
      const taken = await clients.call<{ latencies: number[]; expected: number; lastReceiptMs: number[] }>("take", {
        fromSeq: firstSeq,
        events,
      });
      const sorted = sortedCopy(taken.latencies);
      const run: SubscriptionRun = {
        repetition,
        events,
        receipts: sorted.length,
        expected: taken.expected,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted[sorted.length - 1] ?? Number.NaN,
        medianFanOutMs: percentile(sortedCopy(taken.lastReceiptMs), 50),
      };
      runs.push(run);
      log(
        `subscriptions #${repetition + 1}: ${run.receipts}/${run.expected} receipts, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(1)} ms`,
      );
    }
    return { subscribers, connectMs, memoryBefore, memoryAfter, perConnectionKb, runs };
  } finally {
    await clients?.stop();
    await server.stop();
  }
}

/**
 * graphql-ws does not acknowledge a subscription, so it is live once an event reached it:
 * publish probes until every client got one. Returns the next free sequence number.
 */
async function waitUntilLive(server: ChildHandle, clients: ChildHandle, subscribers: number): Promise<number> {
  const deadline = Date.now() + LIVE_TIMEOUT_MS;
  let seq = 0;
  for (;;) {
    await server.call("publish", { firstSeq: seq, count: 1, intervalMs: 0 });
    seq += 1;
    await sleep(250);
    const status = await clients.call<{ live: number; errors: number }>("status");
    if (status.live >= subscribers) return seq;
    if (status.errors > 0) throw new Error(`${status.errors} subscriptions failed`);
    if (Date.now() > deadline) throw new Error(`only ${status.live} of ${subscribers} subscriptions went live`);
  }
}
