import { loadBenchConfig } from "../support/bench-config";
import { ensureDatabase } from "../support/bench-database";
import { machineInfo } from "../support/machine-info";
import { formatPersonifySource, runPersonifySource } from "./personify-source.scenario";

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * `npm run bench:personify`: a full load of demo members through the Personify source against
 * its fake Data Services, as a ratio to the `rest` source against the JSON protocol's fake AMS.
 * Uses the bench database (BENCH_DATABASE_URL); `BENCH_QUICK=1` is a short smoke run;
 * `BENCH_PERSONIFY_MEMBERS` and `BENCH_PERSONIFY_REPETITIONS` change the size (10,000) and repetitions (3).
 */
async function main(): Promise<void> {
  const config = loadBenchConfig();
  await ensureDatabase(config.databaseUrl);
  const members = Number(process.env.BENCH_PERSONIFY_MEMBERS ?? (config.quick ? 2_000 : 10_000));
  const repetitions = Number(process.env.BENCH_PERSONIFY_REPETITIONS ?? (config.quick ? 1 : 3));
  const machine = machineInfo();
  log(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}; ${members} members × ${repetitions} repetitions`);
  const result = await runPersonifySource({ databaseUrl: config.databaseUrl, seed: config.seed, members, repetitions }, log);
  console.log(`\n${formatPersonifySource(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
