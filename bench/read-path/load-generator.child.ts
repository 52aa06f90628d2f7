import { serveChild } from "../support/child-rpc";
import { percentile, sortedCopy } from "../support/stats";
import { PAGE_QUERY, PAGE_SIZE } from "./page.query";

export interface LoadRequest {
  url: string;
  adminKey: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  pagesPerWalk: number;
}

export interface LoadResult {
  concurrency: number;
  /** Requests completed inside the measured window. */
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** Hard bounds, whatever the request says: a run never outlives these. */
const MAX_RUN_MS = 5 * 60_000;
const MAX_REQUESTS = 5_000_000;
const REQUEST_TIMEOUT_MS = 30_000;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const END_CURSOR = /"endCursor":"([^"]*)"/;
const HAS_NEXT = /"hasNextPage":true/;

/**
 * Closed-loop load: `concurrency` clients, each sending its next request as soon as the previous
 * answer arrived, walking pages by endCursor. Runs in its own process so it never shares an
 * event loop with the server it measures; fetch (undici) keeps connections alive, one per client.
 */
async function run(request: LoadRequest): Promise<LoadResult> {
  const target = new URL(request.url);
  if (!LOOPBACK.has(target.hostname)) throw new Error(`the load generator only targets loopback, not ${target.hostname}`);
  const started = performance.now();
  const measureFrom = started + request.warmupMs;
  const stopAt = Math.min(measureFrom + request.durationMs, started + MAX_RUN_MS);
  const latencies: number[] = [];
  const totals = { sent: 0, errors: 0, firstError: "" };
  const headers = { "content-type": "application/json", authorization: `Bearer ${request.adminKey}` };

  const client = async () => {
    let after: string | null = null;
    let page = 0;
    while (performance.now() < stopAt && totals.sent < MAX_REQUESTS) {
      totals.sent += 1;
      const sentAt = performance.now();
      const outcome: Outcome = await send(request.url, headers, after).catch((error: unknown) => ({
        ok: false as const,
        why: String(error),
      }));
      const doneAt = performance.now();
      const counted = sentAt >= measureFrom && doneAt <= stopAt;
      if (!outcome.ok) {
        if (counted) totals.errors += 1;
        totals.firstError ||= outcome.why;
        after = null;
        continue;
      }
      if (counted) latencies.push(doneAt - sentAt);
      page += 1;
      after = outcome.next !== null && page < request.pagesPerWalk ? outcome.next : null;
      if (after === null) page = 0;
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, client));
  if (totals.errors > 0) console.error(`load generator: ${totals.errors} failed requests; first: ${totals.firstError}`);
  return summarize(request.concurrency, latencies, totals.errors, (stopAt - measureFrom) / 1000);
}

type Outcome = { ok: true; next: string | null } | { ok: false; why: string };

async function send(url: string, headers: Record<string, string>, after: string | null): Promise<Outcome> {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: PAGE_QUERY, variables: { first: PAGE_SIZE, after } }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  // A full parse per answer would cost this process more than the check is worth; status,
  // no "errors" key and a cursor are enough (the orchestrator compared full answers beforehand).
  if (response.status !== 200 || text.includes('"errors"')) return { ok: false, why: `${response.status} ${text.slice(0, 300)}` };
  const cursor = END_CURSOR.exec(text)?.[1];
  if (cursor === undefined) return { ok: false, why: `no endCursor in ${text.slice(0, 300)}` };
  return { ok: true, next: HAS_NEXT.test(text) ? cursor : null };
}

function summarize(concurrency: number, latencies: number[], errors: number, seconds: number): LoadResult {
  const sorted = sortedCopy(latencies);
  const sum = latencies.reduce((total, value) => total + value, 0);
  return {
    concurrency,
    requests: latencies.length,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sum / Math.max(1, latencies.length),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

serveChild({ run });
