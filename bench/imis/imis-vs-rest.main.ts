import path from "node:path";
import { toMemberInfo } from "../../src/sources/member-info/member-info.mapper";
import { AmsHttpServer } from "../../src/sources/demo/ams-http.server";
import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../../src/sources/demo/demo-dataset";
import { SystemClock } from "../../src/time/clock";
import { FakeImis } from "../../test/support/fake-imis";
import { eventData, imisRecordsOf } from "../../test/support/fake-imis-records";
import { InMemoryAms } from "../../test/support/in-memory-ams";
import { loadBenchConfig } from "../support/bench-config";
import { ensureDatabase, freshSchema } from "../support/bench-database";
import { startChild } from "../support/child-rpc";
import { machineInfo } from "../support/machine-info";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import { formatSpread, spreadOf } from "../support/stats";
import type { SourceLoadRequest, SourceLoadResult } from "./source-load.child";

const VARIANTS = ["rest-demo", "rest-pregenerated", "imis"] as const;
type Variant = (typeof VARIANTS)[number];
type Run = SourceLoadResult & { variant: Variant; requests: number };

const API_KEY = "bench-ams-api-key-0123456789";
const LOAD_TIMEOUT_MS = 20 * 60_000;
const log = (line: string) => console.log(`[bench imis ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Served {
  env: Record<string, string>;
  requests: () => number;
  close: () => Promise<void>;
}

/** The AMS for one variant, in this (the orchestrating) process; the measured gateway runs in a child. */
async function serve(variant: Variant, seed: number, members: number): Promise<Served> {
  const association = new DemoAssociation({ seed, members, clock: new SystemClock() });
  if (variant === "imis") {
    const fake = await FakeImis.start();
    for (let index = 0; index < members; index += 1) {
      const key = association.keyAt(index);
      const updatedOn = association.lastUpdated(key)!;
      const { party, groupMembers } = imisRecordsOf(association.member(key)!, updatedOn);
      fake.setParty(key, party, updatedOn).setGroupMembers(key, groupMembers);
    }
    for (const event of association.events(null)) fake.setEvent(event.eventKey, eventData(event, event.sourceUpdatedAt ?? new Date()));
    const env = {
      AMS_SOURCE: "imis",
      IMIS_URL: fake.url,
      IMIS_USERNAME: fake.username,
      IMIS_PASSWORD: fake.password,
      IMIS_GROUP_TYPES: "Committee:Committee,Chapter:Chapter,Special Interest Group:Special Interest Group,Access Group:security",
    };
    return { env, requests: () => fake.requests.length, close: () => fake.close() };
  }
  const dataset = variant === "rest-demo" ? new DemoAmsDataset(association) : pregenerated(association, members);
  const server = new AmsHttpServer(dataset, { apiKey: API_KEY });
  const url = await server.listen(0);
  return {
    env: { AMS_SOURCE: "rest", AMS_URL: url, AMS_API_KEY: API_KEY },
    requests: () => server.stats.requests,
    close: () => server.close(),
  };
}

/** The same demo members held ready as MemberInfo, so the JSON AMS does no generating while measured (as the fake iMIS does none). */
function pregenerated(association: DemoAssociation, members: number): InMemoryAms {
  const ams = new InMemoryAms();
  for (let index = 0; index < members; index += 1) {
    const key = association.keyAt(index);
    ams.setMember(key, toMemberInfo(association.member(key)!), association.lastUpdated(key)!);
  }
  return ams;
}

async function loadOnce(databaseUrl: string, variant: Variant, seed: number, members: number): Promise<Run> {
  await freshSchema(databaseUrl);
  const served = await serve(variant, seed, members);
  const child = await startChild(path.join(__dirname, "source-load.child.js"), PRODUCTION_RUNTIME);
  try {
    const request: SourceLoadRequest = { databaseUrl, env: served.env };
    const result = await child.call<SourceLoadResult>("load", request, LOAD_TIMEOUT_MS);
    if (result.members < members || result.failed > 0)
      throw new Error(`${variant}: refreshed ${result.members} of ${members}, ${result.failed} failed`);
    return { ...result, variant, requests: served.requests() };
  } finally {
    await child.stop();
    await served.close();
  }
}

function report(members: number, runs: Run[]): string {
  const rate = (run: Run) => (run.members * 1000) / run.totalMs;
  const of = (variant: Variant) => runs.filter((run) => run.variant === variant);
  const rows = VARIANTS.map((variant) => {
    const mine = of(variant);
    const last = mine.at(-1)!;
    return `| ${variant} | ${formatSpread(spreadOf(mine.map(rate)))} | ${formatSpread(spreadOf(mine.map((run) => run.totalMs / 1000)), 1)} | ${last.requests} | ${(last.statements / last.members).toFixed(3)} | ${last.counts.community_memberships} / ${last.counts.security_group_memberships} |`;
  });
  const median = (variant: Variant) => spreadOf(of(variant).map(rate)).median;
  return [
    `Full load of ${members.toLocaleString("en-US")} demo members (${runs.length / VARIANTS.length} repetition(s) each, rotating order).`,
    "",
    "| source | members/s | total s | AMS requests | statements/member | community / group memberships |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `iMIS / rest against the demo AMS: ${(median("imis") / median("rest-demo")).toFixed(2)}; iMIS / rest against pre-generated records: ${(median("imis") / median("rest-pregenerated")).toFixed(2)}.`,
  ].join("\n");
}

/**
 * `node dist/bench/imis/imis-vs-rest.main.js`: a full load through the iMIS connector and its fake
 * iMIS, as a ratio to the `rest` source against the demo AMS (which generates each record as it
 * is asked for) and against the same records pre-generated. `BENCH_QUICK=1` is a short smoke
 * run; `BENCH_IMIS_MEMBERS` sets the size (default 10,000); BENCH_DATABASE_URL as for `npm run bench`.
 */
async function main(): Promise<void> {
  const config = loadBenchConfig();
  const members = Number(process.env.BENCH_IMIS_MEMBERS ?? (config.quick ? 2_000 : 10_000));
  const repetitions = config.quick ? 1 : 3;
  await ensureDatabase(config.databaseUrl);
  const machine = machineInfo();
  log(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}; ${members} members, ${repetitions} repetition(s)`);
  const runs: Run[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const rotated = [...VARIANTS.slice(repetition % VARIANTS.length), ...VARIANTS.slice(0, repetition % VARIANTS.length)];
    for (const variant of rotated) {
      const run = await loadOnce(config.databaseUrl, variant, config.seed, members);
      runs.push(run);
      log(
        `#${repetition + 1} ${variant}: ${((run.members * 1000) / run.totalMs).toFixed(0)} members/s, ${run.requests} AMS requests, source ${(run.sourceMs / 1000).toFixed(1)} s of ${(run.totalMs / 1000).toFixed(1)} s`,
      );
    }
  }
  console.log(`\n${report(members, runs)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
