import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AmsSource } from "../sources/ams-source";
import { SourceError, SourceErrorCode } from "../sources/source.error";
import { instrumentSource } from "./instrumented-source";
import { GatewayMetrics } from "./metrics";

function source(overrides: Partial<AmsSource> = {}): AmsSource {
  return {
    name: "fake",
    maxBatchSize: 7,
    async *changedMembers() {
      yield [{ memberKey: "A", lastUpdated: "2026-01-01T00:00:00Z" }];
      throw new SourceError(SourceErrorCode.TEMPORARY, "page 2 timed out");
    },
    fetchMembers: async (keys) => ({ members: [], missing: [...keys], invalid: [] }),
    async *changedEvents() {},
    ...overrides,
  };
}

const value = async (metrics: GatewayMetrics, name: string, labels: Record<string, string>) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return metric?.values.find((entry) => Object.entries(labels).every(([key, wanted]) => entry.labels[key] === wanted))?.value;
};

describe("instrumentSource", () => {
  it("keeps optional methods optional, and the name and batch size", () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const plain = instrumentSource(source(), metrics);
    assert.equal(plain.authenticate, undefined, "a source that checks no passwords still checks none");
    assert.equal(plain.resolveSsoToken, undefined);
    assert.deepEqual([plain.name, plain.maxBatchSize], ["fake", 7]);
    assert.equal(typeof instrumentSource(source({ authenticate: async () => "K1" }), metrics).authenticate, "function");
  });

  it("times each page and counts failures by SourceError code, passing the error on", async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const pages: unknown[] = [];
    await assert.rejects(async () => {
      for await (const page of instrumentSource(source(), metrics).changedMembers(null)) pages.push(page);
    }, /page 2 timed out/);
    assert.equal(pages.length, 1);
    assert.equal(await value(metrics, "amsgate_ams_request_duration_seconds", { operation: "changedMembers", le: "+Inf" }), 2);
    assert.equal(await value(metrics, "amsgate_ams_errors_total", { operation: "changedMembers", code: "TEMPORARY" }), 1);
  });

  it("counts what a refresh batch fetched by outcome", async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    await instrumentSource(source(), metrics).fetchMembers(["A", "B"]);
    assert.equal(await value(metrics, "amsgate_member_refreshes_total", { outcome: "missing" }), 2);
    assert.equal(await value(metrics, "amsgate_ams_request_duration_seconds", { operation: "fetchMembers", le: "+Inf" }), 1);
  });
});
