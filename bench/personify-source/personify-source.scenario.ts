import path from "node:path";
import { freshSchema } from "../support/bench-database";
import { startChild } from "../support/child-rpc";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import { spreadOf } from "../support/stats";
import type { FakeAmsStarted, SourceLoadResult, SourceVariant } from "./personify-source.types";

export interface PersonifySourceSettings {
  databaseUrl: string;
  seed: number;
  members: number;
  repetitions: number;
}

export interface PersonifySourceResult {
  members: number;
  runs: Array<{ variant: SourceVariant; repetition: number; setupMs: number } & SourceLoadResult>;
  /** Median Personify full-load time over the median `rest` one. */
  ratio: number;
}

const HERE = __dirname;
const median = (values: number[]) => spreadOf(values).median;
const LOAD_TIMEOUT_MS = 20 * 60_000;

/**
 * A full load of the same demo members through the Personify source (its fake Data Services)
 * and through the `rest` source (the JSON protocol's fake AMS), each into a fresh schema, the AMS
 * and the loader in separate processes, order rotated per repetition. Reports the ratio of the
 * median times: what the Personify wire format (several OData requests per batch) costs.
 */
export async function runPersonifySource(settings: PersonifySourceSettings, log: (line: string) => void): Promise<PersonifySourceResult> {
  const runs: PersonifySourceResult["runs"] = [];
  for (let repetition = 0; repetition < settings.repetitions; repetition += 1) {
    const order: SourceVariant[] = repetition % 2 === 0 ? ["rest", "personify"] : ["personify", "rest"];
    for (const variant of order) {
      const result = await loadOnce(settings, variant);
      runs.push({ variant, repetition: repetition + 1, ...result });
      log(
        `personify-source ${settings.members} #${repetition + 1} ${variant}: ${((settings.members * 1000) / result.totalMs).toFixed(0)} members/s (${(result.totalMs / 1000).toFixed(1)} s, ${result.batches} batches)`,
      );
    }
  }
  const timeOf = (variant: SourceVariant) => median(runs.filter((run) => run.variant === variant).map((run) => run.totalMs));
  return { members: settings.members, runs, ratio: timeOf("personify") / timeOf("rest") };
}

async function loadOnce(settings: PersonifySourceSettings, variant: SourceVariant): Promise<SourceLoadResult & { setupMs: number }> {
  await freshSchema(settings.databaseUrl);
  const ams = await startChild(path.join(HERE, "ams-fake.child.js"), PRODUCTION_RUNTIME);
  try {
    const started = await ams.call<FakeAmsStarted>("start", { variant, seed: settings.seed, members: settings.members }, LOAD_TIMEOUT_MS);
    const loader = await startChild(path.join(HERE, "source-load.child.js"), PRODUCTION_RUNTIME);
    try {
      const result = await loader.call<SourceLoadResult>(
        "load",
        { databaseUrl: settings.databaseUrl, members: settings.members, env: started.env },
        LOAD_TIMEOUT_MS,
      );
      return { ...result, setupMs: started.setupMs };
    } finally {
      await loader.stop();
    }
  } finally {
    await ams.stop();
  }
}

/** A Markdown section for BENCHMARKS.md. */
export function formatPersonifySource(result: PersonifySourceResult): string {
  const rows = (["rest", "personify"] as const).map((variant) => {
    const mine = result.runs.filter((run) => run.variant === variant);
    const times = mine.map((run) => run.totalMs);
    const counts = mine[0]!.counts;
    return `| ${variant} | ${(median(times) / 1000).toFixed(2)} s (${(Math.min(...times) / 1000).toFixed(2)}–${(Math.max(...times) / 1000).toFixed(2)}) | ${((result.members * 1000) / median(times)).toFixed(0)} | ${counts.members} | ${counts.community_memberships} | ${counts.security_group_memberships} |`;
  });
  return [
    `### Full load through the Personify source, ${result.members.toLocaleString("en-US")} members`,
    "",
    "| source | full load, median (min–max) | members/s | members | community memberships | security-group memberships |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `Personify / rest: **${result.ratio.toFixed(2)}×** the time (${result.runs.length / 2} repetitions each).`,
  ].join("\n");
}
