import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TimedSource } from "../bench/write-path/timed.source";
import type { AmsSource, FetchedMembers, MemberChange } from "../src/sources/ams-source";

/** An in-process source whose every call spends `costMs` of a fake clock before it returns, as the demo source generates. */
function busySource(clock: { ms: number }, costMs: number): AmsSource {
  return {
    name: "busy",
    maxBatchSize: 100,
    async *changedMembers(): AsyncIterable<MemberChange[]> {
      clock.ms += costMs;
      yield [{ memberKey: "m1", lastUpdated: "2026-01-01T00:00:00Z" }];
    },
    async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
      clock.ms += costMs;
      return { members: [], missing: [...keys], invalid: [] };
    },
    async *changedEvents() {},
  } as AmsSource;
}

describe("bench TimedSource", () => {
  it("counts each call's own time when two workers fetch at once", async () => {
    const clock = { ms: 0 };
    const timed = new TimedSource(busySource(clock, 10), () => clock.ms);
    // Two fetches started together, as two workers do: each awaits while the other generates.
    await Promise.all([timed.fetchMembers(["a"]), timed.fetchMembers(["b"])]);
    // Counting until each await resumed gave 30 here: the first call also counted the second's 10 ms.
    assert.equal(timed.fetchMs, 20);
  });

  it("counts the time a change listing spends producing its pages", async () => {
    const clock = { ms: 0 };
    const timed = new TimedSource(busySource(clock, 7), () => clock.ms);
    const pages: MemberChange[][] = [];
    for await (const page of timed.changedMembers(null)) pages.push(page);
    assert.equal(pages.length, 1);
    assert.equal(timed.listMs, 7);
  });
});
