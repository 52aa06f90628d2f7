import assert from "node:assert/strict";
import path from "node:path";
import { gqlData } from "../../test/support/graphql-client";
import { BENCH_ADMIN_KEY } from "../read-path/page.query";
import type { BenchConfig } from "../support/bench-config";
import { startChild } from "../support/child-rpc";
import { PRODUCTION_RUNTIME } from "../support/production-runtime";
import { type Spread, spreadOf } from "../support/stats";
import { loadDemoMembers } from "../write-path/write-path.scenario";

/** The fields both operations ask of each member: scalars and nested lists, as a gateway would. */
const FIELDS = `key firstName lastName phones { number type } communities { role community { name } } securityGroups { group { name } }`;
const ENTITIES_QUERY = `query Refs($r: [_Any!]!) { _entities(representations: $r) { ... on Member { ${FIELDS} } } }`;
const PAGE_QUERY = `query Page($first: Int!) { members(first: $first) { edges { node { ${FIELDS} } } } }`;

export type FederationOperation = "entities" | "page";

export interface FederationResult {
  references: number;
  /** SQL statements one `_entities` request costs, by number of references. */
  entitiesStatements: Record<string, number>;
  /** The same for the `members(first: n)` page with the same fields. */
  pageStatements: Record<string, number>;
  /** Requests per second, one client in sequence, per repetition. */
  requestsPerSecond: Record<FederationOperation, Spread>;
  runs: Array<{ operation: FederationOperation; repetition: number; requestsPerSecond: number }>;
}

const HERE = __dirname;

/**
 * `_entities` with 200 Member references against the equivalent `members(first: 200)` page, on the
 * same amsgate process and data: first the statement count (which must not grow with the number of
 * references), then requests per second, the order alternating between repetitions.
 */
export async function runFederation(config: BenchConfig, log: (line: string) => void): Promise<FederationResult> {
  const { members, references, durationMs, warmupMs, repetitions } = config.federation;
  log(`federation: loading ${members} demo members through amsgate's refresh`);
  await loadDemoMembers(config, members);
  const child = await startChild(path.join(HERE, "..", "support", "amsgate-server.child.js"), PRODUCTION_RUNTIME);
  try {
    const { url } = await child.call<{ url: string }>("start", { databaseUrl: config.databaseUrl, adminKey: BENCH_ADMIN_KEY });
    const page = (first: number) => gqlData<any>(url, PAGE_QUERY, { first }, BENCH_ADMIN_KEY);
    const keys: string[] = (await page(references)).members.edges.map((edge: any) => edge.node.key);
    assert.equal(keys.length, references, "enough members for the references");
    const entities = (count: number) =>
      gqlData<any>(url, ENTITIES_QUERY, { r: keys.slice(0, count).map((key) => ({ __typename: "Member", key })) }, BENCH_ADMIN_KEY);
    // The same members, the same fields: the two operations answer alike.
    assert.deepEqual(
      (await entities(references))._entities,
      (await page(references)).members.edges.map((edge: any) => edge.node),
    );
    const statementsOf = async (work: () => Promise<unknown>) => {
      const before = await child.call<number>("statements");
      await work();
      return (await child.call<number>("statements")) - before;
    };
    const entitiesStatements: Record<string, number> = {};
    const pageStatements: Record<string, number> = {};
    for (const count of [10, references]) {
      entitiesStatements[count] = await statementsOf(() => entities(count));
      pageStatements[count] = await statementsOf(() => page(count));
    }
    log(`federation: statements _entities ${JSON.stringify(entitiesStatements)}, members page ${JSON.stringify(pageStatements)}`);
    const operations: Record<FederationOperation, () => Promise<unknown>> = {
      entities: () => entities(references),
      page: () => page(references),
    };
    const runs: FederationResult["runs"] = [];
    for (let repetition = 0; repetition < repetitions; repetition += 1) {
      const order: FederationOperation[] = repetition % 2 === 0 ? ["entities", "page"] : ["page", "entities"];
      for (const operation of order) {
        await loop(operations[operation], warmupMs);
        const done = await loop(operations[operation], durationMs);
        const requestsPerSecond = done / (durationMs / 1000);
        runs.push({ operation, repetition, requestsPerSecond });
        log(`federation #${repetition + 1} ${operation}: ${requestsPerSecond.toFixed(1)} req/s`);
      }
    }
    const spread = (operation: FederationOperation) =>
      spreadOf(runs.filter((run) => run.operation === operation).map((run) => run.requestsPerSecond));
    return {
      references,
      entitiesStatements,
      pageStatements,
      requestsPerSecond: { entities: spread("entities"), page: spread("page") },
      runs,
    };
  } finally {
    await child.stop();
  }
}

/** Requests answered in sequence for `ms` of wall time. */
async function loop(request: () => Promise<unknown>, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let done = 0;
  while (Date.now() < end) {
    await request();
    done += 1;
  }
  return done;
}
