import { FLOORS } from "./floors";
import type { ReadPathResult, ReadServer } from "./read-path/read-path.scenario";
import type { SubscriptionResult } from "./subscriptions/subscriptions.scenario";
import { spreadOf } from "./support/stats";
import type { WriteSizeResult } from "./write-path/write-path.scenario";
import type { AmsgateLoadResult, PhaseResult, RawLoadResult } from "./write-path/write-path.types";

/** What one bench run measured, as run-all collects it (and writes to BENCH_RESULTS_FILE). */
export interface BenchResults {
  read?: ReadPathResult;
  write?: WriteSizeResult[];
  subscriptions?: SubscriptionResult;
}

export interface FloorCheck {
  name: string;
  /** The measured figure, formatted, against the floor. */
  figure: string;
  floor: string;
  ok: boolean;
}

const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "not measured");

/** Every floor of bench/floors.ts against the scenarios this run measured; a scenario not run is not checked. */
export function checkFloors(results: BenchResults): FloorCheck[] {
  return [
    ...(results.read ? checkRead(results.read) : []),
    ...(results.write ? checkWrite(results.write) : []),
    ...(results.subscriptions ? checkSubscriptions(results.subscriptions) : []),
  ];
}

function checkRead(read: ReadPathResult): FloorCheck[] {
  const floors = FLOORS.read;
  const median = (server: ReadServer, concurrency: number, pick: (run: ReadPathResult["runs"][number]) => number) =>
    spreadOf(read.runs.filter((run) => run.server === server && run.concurrency === concurrency).map(pick)).median;
  const checks: FloorCheck[] = [
    {
      name: "read: SQL statements per page",
      figure: String(read.statementsPerRequest.amsgate),
      floor: `= ${floors.statementsPerRequest}`,
      ok: read.statementsPerRequest.amsgate === floors.statementsPerRequest,
    },
  ];
  for (const concurrency of floors.concurrency) {
    const throughput =
      median("amsgate", concurrency, (run) => run.requestsPerSecond) / median("baseline", concurrency, (run) => run.requestsPerSecond);
    const p99 = median("amsgate", concurrency, (run) => run.p99Ms) / median("baseline", concurrency, (run) => run.p99Ms);
    checks.push(
      {
        name: `read: throughput ratio at ${concurrency} clients`,
        figure: ratio(throughput),
        floor: `≥ ${floors.minThroughputRatio}×`,
        ok: throughput >= floors.minThroughputRatio,
      },
      {
        name: `read: p99 ratio at ${concurrency} clients`,
        figure: ratio(p99),
        floor: `≤ ${floors.maxP99Ratio}×`,
        ok: p99 <= floors.maxP99Ratio,
      },
    );
  }
  const failed = read.runs.reduce((sum, run) => sum + run.errors, 0);
  checks.push({ name: "read: failed requests", figure: String(failed), floor: "= 0", ok: failed === 0 });
  return checks;
}

const rate = (phase: PhaseResult) => (phase.members * 1000) / phase.totalMs;
const rateWithoutSource = (phase: PhaseResult) => (phase.members * 1000) / (phase.totalMs - phase.sourceMs);

function checkWrite(sizes: WriteSizeResult[]): FloorCheck[] {
  const floors = FLOORS.write;
  const checks: FloorCheck[] = [];
  for (const [index, size] of sizes.entries()) {
    const replay = size.runs.filter((run): run is AmsgateLoadResult => run.variant === "amsgate-pregenerated");
    const demo = size.runs.filter((run): run is AmsgateLoadResult => run.variant === "amsgate-demo");
    const raw = size.runs.filter((run): run is RawLoadResult => run.variant === "raw");
    const rawRate = spreadOf(raw.map((run) => rate(run.full))).median;
    const full = spreadOf(replay.map((run) => rate(run.full))).median / rawRate;
    const label = size.members.toLocaleString("en-US");
    checks.push({
      name: `write: full load ratio at ${label} members`,
      figure: ratio(full),
      floor: `≥ ${floors.minFullLoadRatio}×`,
      ok: full >= floors.minFullLoadRatio,
    });
    const mine = demo.flatMap((run) => (run.incremental ? [run.incremental] : []));
    const theirs = raw.flatMap((run) => (run.incremental ? [run.incremental] : []));
    if (index === 0 && mine.length > 0 && theirs.length > 0) {
      const incremental = spreadOf(mine.map(rateWithoutSource)).median / spreadOf(theirs.map(rate)).median;
      checks.push({
        name: `write: incremental ratio (${mine[0]!.members} changed of ${label})`,
        figure: ratio(incremental),
        floor: `≥ ${floors.minIncrementalRatio}×`,
        ok: incremental >= floors.minIncrementalRatio,
      });
    }
    if (size.members >= floors.peakRssFromMembers) {
      const peak = Math.max(...demo.map((run) => run.memory.highWaterRssMb ?? run.memory.sampledPeakRssMb));
      checks.push({
        name: `write: peak RSS at ${label} members (highest repetition)`,
        figure: `${peak.toFixed(0)} MB`,
        floor: `< ${floors.maxPeakRssMb} MB`,
        ok: peak < floors.maxPeakRssMb,
      });
    }
  }
  return checks;
}

function checkSubscriptions(result: SubscriptionResult): FloorCheck[] {
  const floors = FLOORS.subscriptions;
  const worst = Math.max(...result.runs.map((run) => run.p99Ms));
  const receipts = result.runs.reduce((sum, run) => sum + run.receipts, 0);
  const expected = result.runs.reduce((sum, run) => sum + run.expected, 0);
  return [
    {
      name: `subscriptions: p99 at ${result.subscribers} subscribers (worst repetition)`,
      figure: `${worst.toFixed(1)} ms`,
      floor: `≤ ${floors.maxP99Ms} ms`,
      ok: worst <= floors.maxP99Ms,
    },
    { name: "subscriptions: receipts", figure: `${receipts} of ${expected}`, floor: "all", ok: receipts === expected },
  ];
}

/** The check as a Markdown table, then one line saying whether the run passed. */
export function formatChecks(checks: FloorCheck[]): string {
  const failed = checks.filter((check) => !check.ok);
  return [
    "### Floors (bench/floors.ts)",
    "",
    "| floor | figure | required | |",
    "|---|---:|---:|---|",
    ...checks.map((check) => `| ${check.name} | ${check.figure} | ${check.floor} | ${check.ok ? "ok" : "**BELOW FLOOR**"} |`),
    "",
    checks.length === 0
      ? "No floor checked: no scenario ran."
      : failed.length === 0
        ? `All ${checks.length} floors held.`
        : `${failed.length} of ${checks.length} floors missed: ${failed.map((check) => `${check.name} ${check.figure} (needs ${check.floor})`).join("; ")}.`,
  ].join("\n");
}
