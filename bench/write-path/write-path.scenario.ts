import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BenchConfig } from "../support/bench-config";
import { assertSameCounts, freshSchema } from "../support/bench-database";
import { startChild } from "../support/child-rpc";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import type { AmsgateLoadRequest, AmsgateLoadResult, GenerateResult, RawLoadRequest, RawLoadResult } from "./write-path.types";

type LoadResult = AmsgateLoadResult | RawLoadResult;
export type WriteVariant = LoadResult["variant"];

export interface WriteSizeResult {
  members: number;
  generation: GenerateResult;
  /** Every load, repetition by repetition, each as demo source, pre-generated, raw (whatever order they ran in). */
  runs: LoadResult[];
}

const HERE = __dirname;
const LOAD_TIMEOUT_MS = 20 * 60_000;

/**
 * The refresh write path at each size: records are generated once (timed on their own), then
 * for each repetition three fresh-schema loads in rotating order: amsgate with the demo source
 * generating as it goes, amsgate replaying the pre-generated records, and the raw mysql2
 * baseline writing the same records. Each load runs in its own child process.
 */
export async function runWritePath(config: BenchConfig, log: (line: string) => void): Promise<WriteSizeResult[]> {
  const folder = mkdtempSync(path.join(tmpdir(), "amsgate-bench-"));
  try {
    const results: WriteSizeResult[] = [];
    for (const [index, members] of config.write.sizes.entries()) {
      results.push(await runSize(config, members, config.write.repetitions[index] ?? 1, folder, log));
    }
    return results;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function runSize(
  config: BenchConfig,
  members: number,
  repetitions: number,
  folder: string,
  log: (line: string) => void,
): Promise<WriteSizeResult> {
  const file = path.join(folder, `members-${members}.tsv`);
  const generator = await startChild(path.join(HERE, "generate-records.child.js"));
  const generation = await generator.call<GenerateResult>("generate", { seed: config.seed, members, file }, LOAD_TIMEOUT_MS);
  await generator.stop();
  log(
    `write ${members}: generated records in ${(generation.ms / 1000).toFixed(1)} s (${((generation.ms * 1000) / members).toFixed(0)} µs/member)`,
  );

  const order: WriteVariant[] = ["amsgate-demo", "amsgate-pregenerated", "raw"];
  const runs: LoadResult[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    // Rotate so that no variant always runs first (cold) or last (after the others' churn).
    const rotated = [...order.slice(repetition % order.length), ...order.slice(0, repetition % order.length)];
    const round = new Map<WriteVariant, LoadResult>();
    for (const variant of rotated) {
      await freshSchema(config.databaseUrl);
      const result = await loadOnce(config, variant, members, file);
      round.set(variant, result);
      log(`write ${members} #${repetition + 1} ${variant}: ${describe(result)}`);
    }
    assertSameRows(members, round);
    runs.push(...order.map((variant) => round.get(variant)!));
  }
  return { members, generation, runs };
}

/** The comparison is only fair if every variant wrote exactly the rows the raw baseline wrote. */
function assertSameRows(members: number, round: Map<WriteVariant, LoadResult>): void {
  const raw = round.get("raw")!;
  for (const variant of ["amsgate-demo", "amsgate-pregenerated"] as const) {
    assertSameCounts(`${members} members, full load, ${variant}`, round.get(variant)!.full.counts, raw.full.counts);
  }
  const incremental = round.get("amsgate-demo")!.incremental;
  if (incremental && raw.incremental) assertSameCounts(`${members} members, incremental`, incremental.counts, raw.incremental.counts);
}

async function loadOnce(config: BenchConfig, variant: WriteVariant, members: number, file: string): Promise<LoadResult> {
  const raw = variant === "raw";
  const child = await startChild(path.join(HERE, raw ? "raw-load.child.js" : "amsgate-load.child.js"), PRODUCTION_RUNTIME);
  try {
    if (raw) {
      const request: RawLoadRequest = {
        databaseUrl: config.databaseUrl,
        seed: config.seed,
        members,
        recordFile: file,
        changed: config.write.changed,
      };
      return await child.call<RawLoadResult>("load", request, LOAD_TIMEOUT_MS);
    }
    const request: AmsgateLoadRequest = {
      databaseUrl: config.databaseUrl,
      seed: config.seed,
      members,
      recordFile: variant === "amsgate-pregenerated" ? file : null,
      changed: variant === "amsgate-demo" ? config.write.changed : 0,
    };
    return await child.call<AmsgateLoadResult>("load", request, LOAD_TIMEOUT_MS);
  } finally {
    await child.stop();
  }
}

function describe(result: LoadResult): string {
  const rate = (result.full.members * 1000) / result.full.totalMs;
  const peak = result.memory.highWaterRssMb ?? result.memory.sampledPeakRssMb;
  return `${rate.toFixed(0)} members/s, ${(result.full.statements / result.full.members).toFixed(3)} statements/member, peak RSS ${peak.toFixed(0)} MB`;
}

/** Loads `members` demo members through amsgate's real refresh into a fresh schema (setup for other scenarios). */
export async function loadDemoMembers(config: BenchConfig, members: number): Promise<AmsgateLoadResult> {
  await freshSchema(config.databaseUrl);
  const child = await startChild(path.join(HERE, "amsgate-load.child.js"), PRODUCTION_RUNTIME);
  try {
    const request: AmsgateLoadRequest = { databaseUrl: config.databaseUrl, seed: config.seed, members, recordFile: null, changed: 0 };
    return await child.call<AmsgateLoadResult>("load", request, LOAD_TIMEOUT_MS);
  } finally {
    await child.stop();
  }
}
