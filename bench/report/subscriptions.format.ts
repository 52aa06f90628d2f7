import type { SubscriptionResult } from "../subscriptions/subscriptions.scenario";
import { FLOORS } from "../floors";
import { formatSpread, spreadOf } from "../support/stats";
import { verdict } from "./format-helpers";

const { maxP99Ms } = FLOORS.subscriptions;

export function formatSubscriptions(result: SubscriptionResult): string {
  const p99 = spreadOf(result.runs.map((run) => run.p99Ms));
  const receipts = result.runs.reduce((sum, run) => sum + run.receipts, 0);
  const expected = result.runs.reduce((sum, run) => sum + run.expected, 0);
  return [
    `### Subscriptions: ${result.subscribers.toLocaleString("en-US")} graphql-ws subscribers on syncProgress`,
    "",
    "| figure | median across repetitions (min–max) |",
    "|---|---:|",
    `| publish-to-receipt p50 ms | ${formatSpread(spreadOf(result.runs.map((run) => run.p50Ms)), 1)} |`,
    `| publish-to-receipt p99 ms (≤ ${maxP99Ms} in every repetition) | ${formatSpread(p99, 1)} ${verdict(p99.max <= maxP99Ms)} |`,
    `| publish-to-receipt max ms | ${formatSpread(spreadOf(result.runs.map((run) => run.maxMs)), 1)} |`,
    `| one event's fan-out to its last subscriber, ms (median over events) | ${formatSpread(spreadOf(result.runs.map((run) => run.medianFanOutMs)), 1)} |`,
    "",
    `Receipts: ${receipts} of ${expected} expected. Connecting all subscribers took ${(result.connectMs / 1000).toFixed(1)} s.`,
    `Server memory per idle connection (one live subscription each, after GC): ${result.perConnectionKb.rss.toFixed(1)} KB RSS, ` +
      `${result.perConnectionKb.heapUsed.toFixed(1)} KB heap (RSS ${result.memoryBefore.rssMb.toFixed(0)} → ${result.memoryAfter.rssMb.toFixed(0)} MB, ` +
      `heap ${result.memoryBefore.heapUsedMb.toFixed(1)} → ${result.memoryAfter.heapUsedMb.toFixed(1)} MB).`,
  ].join("\n");
}
