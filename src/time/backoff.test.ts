import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelayMs } from "./backoff";

describe("backoffDelayMs", () => {
  const settings = { baseMs: 1_000, maxMs: 60_000 };

  it("doubles per attempt from the base", () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, settings, () => 0.5)),
      [1_000, 2_000, 4_000, 8_000],
    );
  });

  it("jitters by at most 20 % either way", () => {
    assert.equal(
      backoffDelayMs(3, settings, () => 0),
      3_200,
    );
    assert.equal(
      backoffDelayMs(3, settings, () => 1),
      4_800,
    );
  });

  it("never waits longer than the cap, jitter included", () => {
    assert.equal(
      backoffDelayMs(30, settings, () => 1),
      60_000,
    );
  });

  it("treats attempt 0 like the first", () => {
    assert.equal(
      backoffDelayMs(0, settings, () => 0.5),
      1_000,
    );
  });

  it("never waits with a zero base", () => {
    assert.equal(
      backoffDelayMs(5, { baseMs: 0, maxMs: 30_000 }, () => 0.5),
      0,
    );
  });
});
