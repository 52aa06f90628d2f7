import type { PushLatencyResult } from "../push-latency/push-latency.scenario";
import { formatSpread, spreadOf } from "../support/stats";
import { ratioCell, verdict } from "./format-helpers";

/** Push target (issue): pushed change visible and on memberChanged within 1 s p99 at 50 pushes/s. */
const MAX_P99_MS = 1_000;

export function formatPushLatency(result: PushLatencyResult): string {
  const cell = (pick: (run: PushLatencyResult["runs"][number]) => number, digits = 1) =>
    formatSpread(spreadOf(result.runs.map(pick)), digits);
  const visibleP99 = spreadOf(result.runs.map((run) => run.visibleP99Ms));
  const eventP99 = spreadOf(result.runs.map((run) => run.eventP99Ms));
  const ratios = result.runs.map((run) => run.pushMembersPerSecond / run.refreshMembersPerSecond);
  const arrived = result.runs.reduce((sum, run) => sum + run.arrived, 0);
  const pushes = result.runs.reduce((sum, run) => sum + run.pushes, 0);
  return [
    `### Push latency: ${result.ratePerSecond} pushes/s for ${result.durationMs / 1000} s, one member per push`,
    "",
    "| figure | median across repetitions (min–max) |",
    "|---|---:|",
    `| push start → visible in member(key), p50 ms | ${cell((run) => run.visibleP50Ms)} |`,
    `| push start → visible in member(key), p99 ms (≤ 1000) | ${cell((run) => run.visibleP99Ms)} ${verdict(visibleP99.median <= MAX_P99_MS)} |`,
    `| push start → memberChanged over graphql-ws, p50 ms | ${cell((run) => run.eventP50Ms)} |`,
    `| push start → memberChanged over graphql-ws, p99 ms (≤ 1000) | ${cell((run) => run.eventP99Ms)} ${verdict(eventP99.median <= MAX_P99_MS)} |`,
    `| push start → memberChanged, max ms | ${cell((run) => run.eventMaxMs)} |`,
    `| push write, members/s (batches of ${result.batchSize}) | ${cell((run) => run.pushMembersPerSecond, 0)} |`,
    `| refresh write from the demo source, members/s | ${cell((run) => run.refreshMembersPerSecond, 0)} |`,
    `| push ÷ refresh write throughput | ${ratioCell(spreadOf(ratios).median, ratios)} |`,
    "",
    `memberChanged arrivals matched: ${arrived} of ${pushes} pushes. Throughput: ${result.throughputMembers.toLocaleString("en-US")} new members per repetition each way.`,
  ].join("\n");
}
