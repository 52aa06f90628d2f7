import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkFloors } from "../bench/check";
import { FLOORS } from "../bench/floors";
import type { ReadPathResult } from "../bench/read-path/read-path.scenario";
import type { ProcessUsage } from "../bench/support/process-usage";

const usage: ProcessUsage = { wallMs: 10_000, cpuMs: 5_000, allocatedBytes: 1e9, gcCount: 10, gcMs: 100, eventLoopUtilization: 0.5 };

/** A read result where amsgate answers at `ratio` × the baseline's req/s with the same latencies. */
function readResult(ratio: number, statements: number = FLOORS.read.statementsPerRequest): ReadPathResult {
  const runs: ReadPathResult["runs"] = [];
  for (const concurrency of FLOORS.read.concurrency) {
    for (const [server, rps] of [
      ["amsgate", 100 * ratio],
      ["baseline", 100],
    ] as const) {
      runs.push({
        concurrency,
        requests: rps * 10,
        errors: 0,
        seconds: 10,
        requestsPerSecond: rps,
        p50Ms: 5,
        p99Ms: 10,
        meanMs: 5,
        maxMs: 12,
        server,
        repetition: 0,
        usage,
      });
    }
  }
  return { members: 10_000, statementsPerRequest: { amsgate: statements, baseline: 4 }, runs };
}

describe("bench --check floors", () => {
  it("passes a read run at the floors", () => {
    const checks = checkFloors({ read: readResult(FLOORS.read.minThroughputRatio) });
    assert.ok(checks.length > 0);
    assert.deepEqual(
      checks.filter((check) => !check.ok),
      [],
    );
  });

  it("fails a throughput ratio below its floor, at every client count", () => {
    const failed = checkFloors({ read: readResult(FLOORS.read.minThroughputRatio - 0.01) }).filter((check) => !check.ok);
    assert.deepEqual(
      failed.map((check) => check.name),
      FLOORS.read.concurrency.map((clients) => `read: throughput ratio at ${clients} clients`),
    );
  });

  it("fails a page that costs more statements than the floor", () => {
    const failed = checkFloors({ read: readResult(1, FLOORS.read.statementsPerRequest + 2) }).filter((check) => !check.ok);
    assert.deepEqual(
      failed.map((check) => check.name),
      ["read: SQL statements per page"],
    );
  });

  it("fails a client count that was not measured", () => {
    const read = readResult(1);
    read.runs = read.runs.filter((run) => run.concurrency !== 64);
    const failed = checkFloors({ read }).filter((check) => !check.ok);
    assert.deepEqual(
      failed.map((check) => check.figure),
      ["not measured", "not measured"],
    );
  });

  it("fails a subscription run whose worst repetition is over the p99 floor, even if the median holds", () => {
    const run = { events: 40, receipts: 40_000, expected: 40_000, p50Ms: 50, maxMs: 150, medianFanOutMs: 60 };
    const checks = checkFloors({
      subscriptions: {
        subscribers: 1_000,
        connectMs: 1_000,
        memoryBefore: { rssMb: 1, heapUsedMb: 1, externalMb: 1 },
        memoryAfter: { rssMb: 1, heapUsedMb: 1, externalMb: 1 },
        perConnectionKb: { rss: 1, heapUsed: 1 },
        runs: [
          { ...run, repetition: 0, p99Ms: 80 },
          { ...run, repetition: 1, p99Ms: FLOORS.subscriptions.maxP99Ms + 5 },
          { ...run, repetition: 2, p99Ms: 80 },
        ],
      },
    });
    assert.deepEqual(
      checks.filter((check) => !check.ok).map((check) => check.name),
      ["subscriptions: p99 at 1000 subscribers (worst repetition)"],
    );
  });
});
