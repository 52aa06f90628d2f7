import { readFileSync, writeFileSync } from "node:fs";
import { type BenchResults, checkFloors, formatChecks } from "./check";
import { runFederation } from "./federation/federation.scenario";
import { runPushLatency } from "./push-latency/push-latency.scenario";
import { formatFederation } from "./report/federation.format";
import { formatPushLatency } from "./report/push-latency.format";
import { formatReadPath } from "./report/read-path.format";
import { formatSubscriptions } from "./report/subscriptions.format";
import { formatWritePath } from "./report/write-path.format";
import { runReadPath } from "./read-path/read-path.scenario";
import { runSubscriptions } from "./subscriptions/subscriptions.scenario";
import { type BenchConfig, databaseName, loadBenchConfig } from "./support/bench-config";
import { ensureDatabase, serverInfo } from "./support/bench-database";
import { machineInfo } from "./support/machine-info";
import { runWritePath } from "./write-path/write-path.scenario";
import { formatWriteback } from "./report/writeback.format";
import { runWriteback } from "./writeback/writeback.scenario";
import { formatCsvImport, runCsvImport } from "./csv-import/csv-import.scenario";

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * `npm run bench`: every scenario against its baseline on the same MariaDB and data, then a
 * Markdown summary (medians with their min–max across repetitions) to paste into BENCHMARKS.md.
 * `BENCH_QUICK=1` is a short smoke run; `BENCH_ONLY=write,read,subscriptions,push,writeback,federation,csv` picks
 * scenarios.
 * `--check` then holds the run to bench/floors.ts and exits non-zero if a floor is missed;
 * `--check --from results.json` checks a saved BENCH_RESULTS_FILE without running anything.
 */
async function main(config: BenchConfig, argv: string[]): Promise<void> {
  const check = argv.includes("--check");
  const from = argv.includes("--from") ? argv[argv.indexOf("--from") + 1] : undefined;
  if (from !== undefined) {
    if (!check) throw new Error("--from needs --check");
    finish(JSON.parse(readFileSync(from, "utf8")) as BenchResults);
    return;
  }
  await ensureDatabase(config.databaseUrl);
  const machine = machineInfo();
  const server = await serverInfo(config.databaseUrl);
  log(
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB, Node ${machine.node}, ${server.version}; database ${databaseName(config.databaseUrl)}${config.quick ? "; QUICK run" : ""}`,
  );
  const started = Date.now();
  const sections: string[] = [];
  const results: BenchResults & Record<string, unknown> = { machine, server, config };
  if (config.only.includes("write")) {
    const write = await runWritePath(config, log);
    results.write = write;
    sections.push(formatWritePath(write));
  }
  if (config.only.includes("read")) {
    const read = await runReadPath(config, log);
    results.read = read;
    sections.push(formatReadPath(read));
  }
  if (config.only.includes("subscriptions")) {
    const subscriptions = await runSubscriptions(config, log);
    results.subscriptions = subscriptions;
    sections.push(formatSubscriptions(subscriptions));
  }
  if (config.only.includes("push")) {
    const pushLatency = await runPushLatency(config, log);
    results.push = pushLatency;
    sections.push(formatPushLatency(pushLatency));
  }
  if (config.only.includes("writeback")) {
    const writeback = await runWriteback(config, log);
    results.writeback = writeback;
    sections.push(formatWriteback(writeback));
  }
  if (config.only.includes("federation")) {
    const federation = await runFederation(config, log);
    results.federation = federation;
    sections.push(formatFederation(federation));
  }
  if (config.only.includes("csv")) {
    const csv = await runCsvImport(config.databaseUrl, config.csv, log);
    results.csv = csv;
    sections.push(formatCsvImport(csv));
  }
  const minutes = (Date.now() - started) / 60_000;
  const header = [
    `Run ${machine.date}${config.quick ? " (BENCH_QUICK: short smoke run, not for comparison)" : ""}, ${minutes.toFixed(1)} min.`,
    `Machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGb.toFixed(1)} GB RAM, ${machine.os}.`,
    `Node ${machine.node}; ${server.version} (${Object.entries(server.settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ")}).`,
    `Packages: ${Object.entries(machine.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(", ")}.`,
  ].join("\n");
  console.log(`\n${header}\n\n${sections.join("\n\n")}\n`);
  if (config.resultsFile) writeFileSync(config.resultsFile, JSON.stringify({ ...results, minutes }, null, 2));
  if (check) finish(results);
}

/** Prints the floors table; a missed floor fails the command with the figures that missed. */
function finish(results: BenchResults): void {
  const checks = checkFloors(results);
  console.log(`\n${formatChecks(checks)}\n`);
  const failed = checks.filter((check) => !check.ok);
  if (checks.length === 0 || failed.length > 0) {
    console.error(
      `bench --check FAILED: ${checks.length === 0 ? "no scenario measured" : `${failed.length} floor(s) missed`} (bench/floors.ts)`,
    );
    process.exitCode = 1;
  }
}

main(loadBenchConfig(), process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
