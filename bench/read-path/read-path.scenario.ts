import assert from "node:assert/strict";
import path from "node:path";
import { gqlData } from "../../test/support/graphql-client";
import type { BenchConfig } from "../support/bench-config";
import { type ChildHandle, startChild } from "../support/child-rpc";
import type { ProcessUsage } from "../support/process-usage";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import { loadDemoMembers } from "../write-path/write-path.scenario";
import type { LoadRequest, LoadResult } from "./load-generator.child";
import { BENCH_ADMIN_KEY, PAGE_QUERY, PAGE_SIZE } from "./page.query";

export type ReadServer = "amsgate" | "baseline";

export interface ReadPathResult {
  members: number;
  /** SQL statements per request, counted over a sequential walk of pages. */
  statementsPerRequest: Record<ReadServer, number>;
  runs: Array<LoadResult & { server: ReadServer; repetition: number; usage: ProcessUsage }>;
}

const HERE = __dirname;
const SERVER_MODULES: Record<ReadServer, string> = {
  amsgate: path.join(HERE, "..", "support", "amsgate-server.child.js"),
  baseline: path.join(HERE, "baseline-server.child.js"),
};

interface Page {
  members: { edges: Array<{ node: unknown }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/**
 * The read path: amsgate and the graphql-js + mysql2 baseline, each in its own process on the
 * same freshly loaded data, answer the same page query. Both are checked to give the same
 * answers, then loaded in turn by a third process at each concurrency, order alternating.
 */
export async function runReadPath(config: BenchConfig, log: (line: string) => void): Promise<ReadPathResult> {
  const { members } = config.read;
  log(`read: loading ${members} demo members through amsgate's refresh`);
  await loadDemoMembers(config, members);
  const servers = new Map<ReadServer, { child: ChildHandle; url: string }>();
  const generator = await startChild(path.join(HERE, "load-generator.child.js"));
  try {
    for (const name of ["amsgate", "baseline"] as const) {
      // Both servers run as amsgate does in production.
      const child = await startChild(SERVER_MODULES[name], PRODUCTION_RUNTIME);
      const { url } = await child.call<{ url: string }>("start", { databaseUrl: config.databaseUrl, adminKey: BENCH_ADMIN_KEY });
      servers.set(name, { child, url });
    }
    await assertSameAnswers(servers.get("amsgate")!.url, servers.get("baseline")!.url);
    const statements = {
      amsgate: await statementsPerRequest(servers.get("amsgate")!),
      baseline: await statementsPerRequest(servers.get("baseline")!),
    };
    log(`read: statements per request: amsgate ${statements.amsgate}, baseline ${statements.baseline}`);
    const runs: ReadPathResult["runs"] = [];
    for (let repetition = 0; repetition < config.read.repetitions; repetition += 1) {
      for (const concurrency of config.read.concurrency) {
        const order: ReadServer[] = repetition % 2 === 0 ? ["amsgate", "baseline"] : ["baseline", "amsgate"];
        for (const server of order) {
          const request: LoadRequest = {
            url: servers.get(server)!.url,
            adminKey: BENCH_ADMIN_KEY,
            concurrency,
            warmupMs: config.read.warmupMs,
            durationMs: config.read.durationMs,
            pagesPerWalk: config.read.pagesPerWalk,
          };
          const { result, usage } = await measuredLoad(generator, servers.get(server)!.child, request);
          runs.push({ ...result, server, repetition, usage });
          log(
            `read #${repetition + 1} c=${concurrency} ${server}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
              `p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, errors ${result.errors}, ` +
              `server ${(usage.cpuMs / result.requests).toFixed(2)} ms CPU and ${(usage.allocatedBytes / result.requests / 1024).toFixed(0)} KB allocated per request`,
          );
        }
      }
    }
    return { members, statementsPerRequest: statements, runs };
  } finally {
    await generator.stop();
    for (const { child } of servers.values()) await child.stop();
  }
}

/**
 * One load with the server's own usage (CPU, bytes allocated, GC) metered over the generator's
 * measured window: the meter starts once the warm-up is over and stops when the window ends
 * (the two processes' clocks line up to within a message's latency, a few ms of 10 s).
 */
async function measuredLoad(
  generator: ChildHandle,
  server: ChildHandle,
  request: LoadRequest,
): Promise<{ result: LoadResult; usage: ProcessUsage }> {
  const loaded = generator.call<LoadResult>("run", request, request.warmupMs + request.durationMs + 120_000);
  await sleep(request.warmupMs);
  await server.call("usageStart");
  await sleep(request.durationMs);
  const usage = await server.call<ProcessUsage>("usageStop");
  return { result: await loaded, usage };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Walks the first pages on both servers and requires the same data (cursors aside: each encodes its own). */
async function assertSameAnswers(amsgateUrl: string, baselineUrl: string): Promise<void> {
  let after: { amsgate: string | null; baseline: string | null } = { amsgate: null, baseline: null };
  for (let page = 0; page < 3; page += 1) {
    const [mine, theirs] = await Promise.all([
      gqlData<Page>(amsgateUrl, PAGE_QUERY, { first: PAGE_SIZE, after: after.amsgate }, BENCH_ADMIN_KEY),
      gqlData<Page>(baselineUrl, PAGE_QUERY, { first: PAGE_SIZE, after: after.baseline }, BENCH_ADMIN_KEY),
    ]);
    assert.equal(mine.members.edges.length, PAGE_SIZE, "amsgate returned a short page");
    assert.deepEqual(mine.members.edges, theirs.members.edges, `page ${page + 1} differs between amsgate and the baseline`);
    assert.equal(mine.members.pageInfo.hasNextPage, theirs.members.pageInfo.hasNextPage);
    after = { amsgate: mine.members.pageInfo.endCursor, baseline: theirs.members.pageInfo.endCursor };
  }
}

/** Statements a request costs, over a sequential walk of 20 pages (the first page and later ones). */
async function statementsPerRequest(server: { child: ChildHandle; url: string }): Promise<number> {
  const pages = 20;
  const before = await server.child.call<number>("statements");
  let after: string | null = null;
  for (let page = 0; page < pages; page += 1) {
    const data: Page = await gqlData<Page>(server.url, PAGE_QUERY, { first: PAGE_SIZE, after }, BENCH_ADMIN_KEY);
    after = data.members.pageInfo.endCursor;
  }
  return ((await server.child.call<number>("statements")) - before) / pages;
}
