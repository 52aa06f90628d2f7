import { writeFileSync } from "node:fs";
import { formatReadPath } from "./report/read-path.format";
import { formatSubscriptions } from "./report/subscriptions.format";
import { formatWritePath } from "./report/write-path.format";
import { runReadPath } from "./read-path/read-path.scenario";
import { runSubscriptions } from "./subscriptions/subscriptions.scenario";
import { type BenchConfig, databaseName, loadBenchConfig } from "./support/bench-config";
import { ensureDatabase, serverInfo } from "./support/bench-database";
import { machineInfo } from "./support/machine-info";
import { runWritePath } from "./write-path/write-path.scenario";
import { formatCsvImport, runCsvImport } from "./csv-import/csv-import.scenario";

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * `npm run bench`: every scenario against its baseline on the same MariaDB and data, then a
 * Markdown summary (medians with their min–max across repetitions) to paste into BENCHMARKS.md.
 * `BENCH_QUICK=1` is a short smoke run; `BENCH_ONLY=write,read,subscriptions,csv` picks scenarios.
 */
async function main(config: BenchConfig): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  const machine = machineInfo();
  const server = await serverInfo(config.databaseUrl);
  log(
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB, Node ${machine.node}, ${server.version}; database ${databaseName(config.databaseUrl)}${config.quick ? "; QUICK run" : ""}`,
  );
  const started = Date.now();
  const sections: string[] = [];
  const results: Record<string, unknown> = { machine, server, config };
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
}

main(loadBenchConfig()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
