import type { ReadPathResult, ReadServer } from "../read-path/read-path.scenario";
import { formatSpread, spreadOf } from "../support/stats";
import { ratioCell, verdict } from "./format-helpers";

/** Read-path targets (issue): ≥ 0.6× the baseline's throughput, p99 ≤ 2× its p99. */
const MIN_THROUGHPUT_RATIO = 0.6;
const MAX_P99_RATIO = 2;

export function formatReadPath(result: ReadPathResult): string {
  const lines = [
    `### Read path: a page of 50 members with phones, communities and security groups (${result.members} members cached)`,
    "",
    `SQL statements per request: amsgate ${result.statementsPerRequest.amsgate}, baseline ${result.statementsPerRequest.baseline}.`,
    "",
    "| clients | amsgate req/s | baseline req/s | throughput ratio (≥ 0.6) | amsgate p50 / p99 ms | baseline p50 / p99 ms | p99 ratio (≤ 2) |",
    "|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const levels = [...new Set(result.runs.map((run) => run.concurrency))];
  for (const concurrency of levels) {
    const of = (server: ReadServer) => result.runs.filter((run) => run.concurrency === concurrency && run.server === server);
    const [mine, theirs] = [of("amsgate"), of("baseline")];
    const paired = (pick: (run: (typeof mine)[number]) => number) => mine.map((run, index) => pick(run) / pick(theirs[index] ?? run));
    const rps = { mine: spreadOf(mine.map((run) => run.requestsPerSecond)), theirs: spreadOf(theirs.map((run) => run.requestsPerSecond)) };
    const p99 = { mine: spreadOf(mine.map((run) => run.p99Ms)), theirs: spreadOf(theirs.map((run) => run.p99Ms)) };
    const p50 = { mine: spreadOf(mine.map((run) => run.p50Ms)), theirs: spreadOf(theirs.map((run) => run.p50Ms)) };
    const throughputRatio = rps.mine.median / rps.theirs.median;
    const p99Ratio = p99.mine.median / p99.theirs.median;
    lines.push(
      `| ${concurrency} | ${formatSpread(rps.mine)} | ${formatSpread(rps.theirs)} | ` +
        `${ratioCell(
          throughputRatio,
          paired((run) => run.requestsPerSecond),
        )} ${verdict(throughputRatio >= MIN_THROUGHPUT_RATIO)} | ` +
        `${formatSpread(p50.mine, 1)} / ${formatSpread(p99.mine, 1)} | ${formatSpread(p50.theirs, 1)} / ${formatSpread(p99.theirs, 1)} | ` +
        `${ratioCell(
          p99Ratio,
          paired((run) => run.p99Ms),
        )} ${verdict(p99Ratio <= MAX_P99_RATIO)} |`,
    );
  }
  const errors = result.runs.reduce((sum, run) => sum + run.errors, 0);
  lines.push("", `Failed requests across all runs: ${errors}.`);
  return lines.join("\n");
}
