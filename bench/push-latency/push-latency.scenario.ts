import path from "node:path";
import { generateDemoMember } from "../../src/sources/demo/demo-member.factory";
import { toMemberInfo } from "../../src/sources/member-info/member-info.mapper";
import { gqlData, wsClient } from "../../test/support/graphql-client";
import type { BenchConfig } from "../support/bench-config";
import { freshSchema } from "../support/bench-database";
import { startChild } from "../support/child-rpc";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import { percentile, sortedCopy } from "../support/stats";

const ADMIN_KEY = "bench-push-admin-key-0123456789abcdef";
const PUSH_KEY = "bench-push-key-0123456789abcdefgh";
const TENANT = "BENCH";
const HERE = __dirname;
/** Members the paced pushes rotate over: each push updates one that exists. */
const ROTATION = 200;
const ARRIVAL_GRACE_MS = 5_000;
const LIVE_TIMEOUT_MS = 30_000;

export interface PushLatencyRun {
  repetition: number;
  pushes: number;
  /** Pushes whose change arrived on memberChanged within the grace period. */
  arrived: number;
  visibleP50Ms: number;
  visibleP99Ms: number;
  eventP50Ms: number;
  eventP99Ms: number;
  eventMaxMs: number;
  /** Whole members/s: pushed in batches, and refreshed from the demo source, same count each. */
  pushMembersPerSecond: number;
  refreshMembersPerSecond: number;
}

export interface PushLatencyResult {
  ratePerSecond: number;
  durationMs: number;
  throughputMembers: number;
  batchSize: number;
  runs: PushLatencyRun[];
}

/** memberChanged arrivals: the start of the push each key waits on, and the latencies matched. */
interface Watch {
  pending: Map<string, number>;
  latencies: number[];
  seen: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo member `index` as a MemberInfo push item, under its own key (never a demo key). */
function pushItem(seed: number, index: number, today: string, firstName?: string) {
  const record = { ...generateDemoMember(seed, index, today), memberKey: `PUSH-${index}` };
  const info = toMemberInfo(record);
  if (firstName !== undefined) info.MemberDetails.FirstName = firstName;
  return info;
}

async function post(baseUrl: string, items: unknown[]): Promise<void> {
  const response = await fetch(`${baseUrl}/push/v1/members`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": PUSH_KEY },
    body: JSON.stringify({ TenantCode: TENANT, Items: items }),
  });
  const body = (await response.json()) as { success: boolean; count: number; errorMessage: string | null };
  if (response.status !== 200 || !body.success) throw new Error(`push refused (${response.status}): ${body.errorMessage}`);
}

/**
 * Pushes at a fixed rate (one member per request, each an update of a member that exists) and
 * measures, per push, the time from the request's start until `member(key)` shows the pushed
 * value (queried as soon as the 2xx came: a 2xx means committed) and until the change arrives on
 * `memberChanged` over a real graphql-ws client. Then, in the same run, write throughput: the
 * same number of whole members pushed in batches vs. refreshed from the demo source through the
 * queue and one worker (the plain refresh write path).
 */
export async function runPushLatency(config: BenchConfig, log: (line: string) => void): Promise<PushLatencyResult> {
  const { ratePerSecond, durationMs, repetitions, throughputMembers, batchSize } = config.push;
  const today = new Date().toISOString().slice(0, 10);
  await freshSchema(config.databaseUrl);
  const members = throughputMembers * repetitions;
  const server = await startChild(path.join(HERE, "push-server.child.js"), {
    execArgv: PRODUCTION_RUNTIME.execArgv,
    env: PRODUCTION_RUNTIME.env,
  });
  const { baseUrl } = await server.call<{ baseUrl: string }>(
    "start",
    { databaseUrl: config.databaseUrl, adminKey: ADMIN_KEY, pushKey: PUSH_KEY, tenant: TENANT, members },
    120_000,
  );
  const graphqlUrl = `${baseUrl}/graphql`;
  const { client } = wsClient(graphqlUrl, ADMIN_KEY);
  const watch: Watch = { pending: new Map(), latencies: [], seen: 0 };
  const dispose = client.subscribe<{ memberChanged: { key: string } }>(
    { query: "subscription { memberChanged { key } }" },
    {
      next: (result) => {
        const key = result.data?.memberChanged.key;
        if (key === undefined) return;
        watch.seen += 1;
        const at = watch.pending.get(key);
        if (at === undefined) return;
        watch.pending.delete(key);
        watch.latencies.push(performance.now() - at);
      },
      error: (error) => log(`push-latency: subscription error ${String(error)}`),
      complete: () => undefined,
    },
  );
  try {
    for (let batch = 0; batch < ROTATION; batch += 100) {
      await post(
        baseUrl,
        Array.from({ length: Math.min(100, ROTATION - batch) }, (_, n) => pushItem(config.seed, batch + n, today)),
      );
    }
    await waitUntilLive(baseUrl, watch, today, config.seed);
    const runs: PushLatencyRun[] = [];
    for (let repetition = 0; repetition < repetitions; repetition += 1) {
      const paced = await pacedPushes(baseUrl, graphqlUrl, watch, { ratePerSecond, durationMs, repetition, seed: config.seed, today });
      const pushStarted = performance.now();
      const offset = 10_000 + repetition * throughputMembers;
      for (let from = 0; from < throughputMembers; from += batchSize) {
        const count = Math.min(batchSize, throughputMembers - from);
        await post(
          baseUrl,
          Array.from({ length: count }, (_, n) => pushItem(config.seed, offset + from + n, today)),
        );
      }
      const pushMembersPerSecond = (throughputMembers * 1000) / (performance.now() - pushStarted);
      const refreshed = await server.call<{ membersPerSecond: number }>(
        "refresh",
        { from: repetition * throughputMembers, count: throughputMembers },
        600_000,
      );
      const run: PushLatencyRun = { repetition, ...paced, pushMembersPerSecond, refreshMembersPerSecond: refreshed.membersPerSecond };
      runs.push(run);
      log(
        `push-latency #${repetition + 1}: ${run.arrived}/${run.pushes} arrived; visible p50 ${run.visibleP50Ms.toFixed(1)} p99 ${run.visibleP99Ms.toFixed(1)} ms; ` +
          `memberChanged p50 ${run.eventP50Ms.toFixed(1)} p99 ${run.eventP99Ms.toFixed(1)} ms; push ${run.pushMembersPerSecond.toFixed(0)} vs refresh ${run.refreshMembersPerSecond.toFixed(0)} members/s`,
      );
    }
    return { ratePerSecond, durationMs, throughputMembers, batchSize, runs };
  } finally {
    dispose();
    await client.dispose();
    await server.stop();
  }
}

/** graphql-ws does not acknowledge a subscription: it is live once a pushed change reached it. */
async function waitUntilLive(baseUrl: string, watch: Watch, today: string, seed: number): Promise<void> {
  const deadline = Date.now() + LIVE_TIMEOUT_MS;
  for (let n = 0; watch.seen === 0; n += 1) {
    if (Date.now() > deadline) throw new Error("memberChanged never went live");
    await post(baseUrl, [pushItem(seed, 0, today, `Warm ${n}`)]);
    await sleep(200);
  }
}

async function pacedPushes(
  baseUrl: string,
  graphqlUrl: string,
  watch: Watch,
  options: { ratePerSecond: number; durationMs: number; repetition: number; seed: number; today: string },
) {
  const count = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSecond;
  const visible: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  const origin = performance.now();
  for (let n = 0; n < count; n += 1) {
    // Open-loop: each push starts on its own schedule, whether or not earlier ones answered.
    const due = origin + n * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const index = n % ROTATION;
    const key = `PUSH-${index}`;
    const value = `R${options.repetition}N${n}`;
    inFlight.push(
      (async () => {
        // Pushes to one key are ROTATION apart (4 s at 50/s): the key's next arrival is this push's.
        const at = performance.now();
        watch.pending.set(key, at);
        await post(baseUrl, [pushItem(options.seed, index, options.today, value)]);
        const read = await gqlData<{ member: { firstName: string } | null }>(
          graphqlUrl,
          "query($key: ID!) { member(key: $key) { firstName } }",
          { key },
          ADMIN_KEY,
        );
        if (read.member?.firstName !== value) throw new Error(`member ${key} does not show push ${value} after its 2xx`);
        visible.push(performance.now() - at);
      })(),
    );
  }
  await Promise.all(inFlight);
  await sleep(ARRIVAL_GRACE_MS);
  watch.pending.clear();
  const event = watch.latencies.splice(0);
  const sortedVisible = sortedCopy(visible);
  const sortedEvent = sortedCopy(event);
  return {
    pushes: count,
    arrived: event.length,
    visibleP50Ms: percentile(sortedVisible, 50),
    visibleP99Ms: percentile(sortedVisible, 99),
    eventP50Ms: percentile(sortedEvent, 50),
    eventP99Ms: percentile(sortedEvent, 99),
    eventMaxMs: sortedEvent[sortedEvent.length - 1] ?? Number.NaN,
  };
}
