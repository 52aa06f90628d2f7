import { FLOORS } from "../floors";
import type { ReadPathResult, ReadServer } from "../read-path/read-path.scenario";
import { formatSpread, spreadOf } from "../support/stats";
import { ratioCell, verdict } from "./format-helpers";

type Run = ReadPathResult["runs"][number];

const cpuPerRequest = (run: Run) => run.usage.cpuMs / Math.max(1, run.requests);
const kbPerRequest = (run: Run) => run.usage.allocatedBytes / Math.max(1, run.requests) / 1024;
const gcShare = (run: Run) => (100 * run.usage.gcMs) / Math.max(1e-9, run.usage.cpuMs);

export function formatReadPath(result: ReadPathResult): string {
  const { minThroughputRatio, maxP99Ratio } = FLOORS.read;
  const lines = [
    `### Read path: a page of 50 members with phones, communities and security groups (${result.members} members cached)`,
    "",
    `SQL statements per request: amsgate ${result.statementsPerRequest.amsgate}, baseline ${result.statementsPerRequest.baseline}.`,
    "",
    `| clients | amsgate req/s | baseline req/s | throughput ratio (≥ ${minThroughputRatio}) | amsgate p50 / p99 ms | baseline p50 / p99 ms | p99 ratio (≤ ${maxP99Ratio}) |`,
    "|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const usage = [
    "",
    "Server process per request, over the measured window (CPU of the whole process; bytes allocated on the V8 heap; GC pauses as a share of that CPU):",
    "",
    "| clients | amsgate CPU ms | baseline CPU ms | CPU ratio | amsgate KB allocated | baseline KB allocated | allocation ratio | amsgate / baseline GC % of CPU |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const levels = [...new Set(result.runs.map((run) => run.concurrency))];
  for (const concurrency of levels) {
    const of = (server: ReadServer) => result.runs.filter((run) => run.concurrency === concurrency && run.server === server);
    const [mine, theirs] = [of("amsgate"), of("baseline")];
    const paired = (pick: (run: Run) => number) => mine.map((run, index) => pick(run) / pick(theirs[index] ?? run));
    const both = (pick: (run: Run) => number) => ({ mine: spreadOf(mine.map(pick)), theirs: spreadOf(theirs.map(pick)) });
    const rps = both((run) => run.requestsPerSecond);
    const p99 = both((run) => run.p99Ms);
    const p50 = both((run) => run.p50Ms);
    const throughputRatio = rps.mine.median / rps.theirs.median;
    const p99Ratio = p99.mine.median / p99.theirs.median;
    lines.push(
      `| ${concurrency} | ${formatSpread(rps.mine)} | ${formatSpread(rps.theirs)} | ` +
        `${ratioCell(
          throughputRatio,
          paired((run) => run.requestsPerSecond),
        )} ${verdict(throughputRatio >= minThroughputRatio)} | ` +
        `${formatSpread(p50.mine, 1)} / ${formatSpread(p99.mine, 1)} | ${formatSpread(p50.theirs, 1)} / ${formatSpread(p99.theirs, 1)} | ` +
        `${ratioCell(
          p99Ratio,
          paired((run) => run.p99Ms),
        )} ${verdict(p99Ratio <= maxP99Ratio)} |`,
    );
    const cpu = both(cpuPerRequest);
    const kb = both(kbPerRequest);
    const gc = both(gcShare);
    usage.push(
      `| ${concurrency} | ${formatSpread(cpu.mine, 2)} | ${formatSpread(cpu.theirs, 2)} | ${ratioCell(cpu.mine.median / cpu.theirs.median, paired(cpuPerRequest))} | ` +
        `${formatSpread(kb.mine)} | ${formatSpread(kb.theirs)} | ${ratioCell(kb.mine.median / kb.theirs.median, paired(kbPerRequest))} | ` +
        `${gc.mine.median.toFixed(1)} / ${gc.theirs.median.toFixed(1)} |`,
    );
  }
  const errors = result.runs.reduce((sum, run) => sum + run.errors, 0);
  lines.push(...usage, "", `Failed requests across all runs: ${errors}.`);
  return lines.join("\n");
}
