import { FLOORS } from "../floors";
import { formatSpread, spreadOf } from "../support/stats";
import type { WriteSizeResult } from "../write-path/write-path.scenario";
import type { AmsgateLoadResult, PhaseResult, RawLoadResult } from "../write-path/write-path.types";
import { ratioCell, verdict } from "./format-helpers";

const { minFullLoadRatio, minIncrementalRatio, maxPeakRssMb } = FLOORS.write;

type Run = WriteSizeResult["runs"][number];

const rate = (phase: PhaseResult) => (phase.members * 1000) / phase.totalMs;
const rateWithoutSource = (phase: PhaseResult) => (phase.members * 1000) / (phase.totalMs - phase.sourceMs);
const perMember = (phase: PhaseResult) => phase.statements / phase.members;
const cpuUsPerMember = (phase: PhaseResult) => (phase.usage.cpuMs * 1000) / phase.members;
const kbPerMember = (phase: PhaseResult) => phase.usage.allocatedBytes / phase.members / 1024;
const peakRss = (run: Run) => run.memory.highWaterRssMb ?? run.memory.sampledPeakRssMb;

function amsgateRuns(size: WriteSizeResult, variant: AmsgateLoadResult["variant"]): AmsgateLoadResult[] {
  return size.runs.filter((run): run is AmsgateLoadResult => run.variant === variant);
}

function rawRuns(size: WriteSizeResult): RawLoadResult[] {
  return size.runs.filter((run): run is RawLoadResult => run.variant === "raw");
}

export function formatWritePath(sizes: WriteSizeResult[]): string {
  return `${sizes.map(formatSize).join("\n\n")}\n\n${formatMemory(sizes)}`;
}

function formatSize(size: WriteSizeResult): string {
  const demo = amsgateRuns(size, "amsgate-demo");
  const replay = amsgateRuns(size, "amsgate-pregenerated");
  const raw = rawRuns(size);
  const rawRate = spreadOf(raw.map((run) => rate(run.full)));
  const row = (label: string, runs: Run[], pick: (phase: PhaseResult) => number, extra?: (ratio: number) => string) => {
    const rates = spreadOf(runs.map((run) => pick(run.full)));
    const ratio = rates.median / rawRate.median;
    const paired = runs.map((run, index) => pick(run.full) / rate((raw[index] ?? raw[0]!).full));
    const statements = spreadOf(runs.map((run) => perMember(run.full)));
    const cpu = spreadOf(runs.map((run) => cpuUsPerMember(run.full)));
    const kb = spreadOf(runs.map((run) => kbPerMember(run.full)));
    return (
      `| ${label} | ${formatSpread(rates)} | ${ratioCell(ratio, paired)}${extra ? ` ${extra(ratio)}` : ""} | ${formatSpread(statements, 3)} | ` +
      `${formatSpread(cpu)} | ${formatSpread(kb, 1)} | ${formatSpread(spreadOf(runs.map(peakRss)))} |`
    );
  };
  const generationUs = (size.generation.ms * 1000) / size.members;
  const mappingUs = spreadOf(raw.map((run) => (run.mappingMs * 1000) / run.members)).median;
  const lines = [
    `### Refresh write path: full load of ${size.members.toLocaleString("en-US")} demo members`,
    "",
    `Generating a record through the demo source costs ${generationUs.toFixed(0)} µs/member (measured on its own). ` +
      `The raw baseline's row mapping (amsgate's own toMemberRows and derivation, run outside its timing) costs ${mappingUs.toFixed(0)} µs/member.`,
    "",
    `The loading process's CPU and V8 heap allocation per member cover the whole full load: for amsgate its source reads, mapping and writes ` +
      `(the demo rows include generating each record), for raw its record reads and the untimed row mapping as well as its SQL.`,
    "",
    `| variant | members/s | ratio to raw (≥ ${minFullLoadRatio}) | SQL statements/member | process CPU µs/member | KB allocated/member | peak RSS MB |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    row("amsgate, pre-generated records (write path only)", replay, rate, (ratio: number) => verdict(ratio >= minFullLoadRatio)),
    row("amsgate, demo source, source time subtracted", demo, rateWithoutSource),
    row("amsgate, demo source generating (end to end)", demo, rate),
    row("raw mysql2, SQL time only", raw, rate),
    rawWithMappingRow(raw, rawRate.median),
  ];
  return [...lines, "", formatIncremental(demo, raw)].join("\n");
}

/** The raw baseline charged with the row mapping amsgate also does per record (toMemberRows, hashing, derivation). */
function rawWithMappingRow(raw: RawLoadResult[], rawMedian: number): string {
  const rates = spreadOf(raw.map((run) => (run.full.members * 1000) / (run.full.totalMs + run.mappingMs)));
  return `| raw mysql2, SQL time + amsgate's row mapping | ${formatSpread(rates)} | ${(rates.median / rawMedian).toFixed(2)}× | – | – | – | – |`;
}

function formatIncremental(demo: AmsgateLoadResult[], raw: RawLoadResult[]): string {
  const mine = demo.map((run) => run.incremental).filter((phase): phase is PhaseResult => phase !== null);
  const theirs = raw.map((run) => run.incremental).filter((phase): phase is PhaseResult => phase !== null);
  if (mine.length === 0 || theirs.length === 0) return "";
  const ms = spreadOf(mine.map((phase) => phase.totalMs));
  const rawMs = spreadOf(theirs.map((phase) => phase.totalMs));
  const withoutSource = spreadOf(mine.map(rateWithoutSource));
  const ratio = withoutSource.median / spreadOf(theirs.map(rate)).median;
  return [
    `Incremental: ${mine[0]!.members} changed members, poll to committed: amsgate ${formatSpread(ms)} ms ` +
      `(${formatSpread(spreadOf(mine.map(rate)))} members/s; ${formatSpread(withoutSource)} with source time subtracted; ` +
      `poll ${formatSpread(spreadOf(mine.map((phase) => phase.pollMs)))} ms; ${formatSpread(spreadOf(mine.map(perMember)), 3)} statements/member). ` +
      `Raw replace-set of the same records: ${formatSpread(rawMs)} ms (${formatSpread(spreadOf(theirs.map(rate)))} members/s, ` +
      `${formatSpread(spreadOf(theirs.map(perMember)), 3)} statements/member). Ratio (source subtracted): ${ratio.toFixed(2)}× ${verdict(ratio >= minIncrementalRatio)} (≥ ${minIncrementalRatio}). ` +
      `Process CPU per member: amsgate ${formatSpread(spreadOf(mine.map(cpuUsPerMember)))} µs, raw ${formatSpread(spreadOf(theirs.map(cpuUsPerMember)))} µs.`,
  ].join("\n");
}

function formatMemory(sizes: WriteSizeResult[]): string {
  const lines = [
    "### Memory during full loads (each load in its own process; peak = kernel VmHWM)",
    "",
    `| members | amsgate, demo source: peak RSS MB | RSS at start MB | peak heap MB | amsgate, pre-generated: peak RSS MB | under ${maxPeakRssMb} MB |`,
    "|---:|---:|---:|---:|---:|---:|",
  ];
  for (const size of sizes) {
    const demo = amsgateRuns(size, "amsgate-demo");
    const replay = amsgateRuns(size, "amsgate-pregenerated");
    const peak = spreadOf(demo.map(peakRss));
    lines.push(
      `| ${size.members.toLocaleString("en-US")} | ${formatSpread(peak)} | ${formatSpread(spreadOf(demo.map((run) => run.startRssMb)))} | ` +
        `${formatSpread(spreadOf(demo.map((run) => run.memory.peakHeapUsedMb)))} | ${formatSpread(spreadOf(replay.map(peakRss)))} | ${verdict(peak.max < maxPeakRssMb)} |`,
    );
  }
  if (sizes.length > 1) {
    const first = spreadOf(amsgateRuns(sizes[0]!, "amsgate-demo").map(peakRss)).median;
    const last = spreadOf(amsgateRuns(sizes.at(-1)!, "amsgate-demo").map(peakRss)).median;
    lines.push(
      "",
      `Peak RSS from ${sizes[0]!.members.toLocaleString("en-US")} to ${sizes.at(-1)!.members.toLocaleString("en-US")} members: ${first.toFixed(0)} → ${last.toFixed(0)} MB (${(last - first >= 0 ? "+" : "") + (last - first).toFixed(0)} MB).`,
    );
  }
  return lines.join("\n");
}
