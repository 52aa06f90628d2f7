import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readSyncConfig } from "../config/sync.config";
import { EnvReader } from "../config/env-readers";
import { claimSize } from "./refresh-worker";

const sizes = { batchSize: 200, backlogBatchSize: 500, workers: 2 };

describe("how many members a claim takes", () => {
  it("takes a batch when the workers' batches cover what is due", () => {
    assert.equal(claimSize(1, sizes), 200);
    assert.equal(claimSize(400, sizes), 200);
  });

  it("shares a backlog out between the workers, up to the backlog size each", () => {
    assert.equal(claimSize(401, sizes), 201);
    assert.equal(claimSize(1_000, sizes), 500);
    assert.equal(claimSize(50_000, sizes), 500);
    assert.equal(claimSize(1_000, { ...sizes, workers: 4 }), 250);
  });

  it("never takes less than a batch, whatever the backlog size says", () => {
    assert.equal(claimSize(1_000, { ...sizes, backlogBatchSize: 50 }), 200);
  });
});

describe("the backlog size setting", () => {
  const read = (env: Record<string, string>) => readSyncConfig(new EnvReader(env), "demo");

  it("defaults to two and a half batches, so a lowered batch size keeps backlog claims small", () => {
    assert.equal(read({}).backlogBatchSize, 500);
    assert.equal(read({ REFRESH_BATCH_SIZE: "10" }).backlogBatchSize, 25);
    assert.equal(read({ REFRESH_BATCH_SIZE: "1000" }).backlogBatchSize, 1_000);
  });

  it("is never below the batch size", () => {
    assert.equal(read({ REFRESH_BATCH_SIZE: "300", REFRESH_BACKLOG_BATCH_SIZE: "100" }).backlogBatchSize, 300);
    assert.equal(read({ REFRESH_BACKLOG_BATCH_SIZE: "800" }).backlogBatchSize, 800);
  });
});
