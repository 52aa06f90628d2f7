import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../time/clock";
import { InMemoryReplayGuard, ReplayGuardFullError } from "./replay.guard";

const START = "2026-03-01T12:00:00.000Z";
const inSeconds = (clock: ManualClock, seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

describe("InMemoryReplayGuard", () => {
  it("answers true for the first use of an id and false after", async () => {
    const clock = new ManualClock(START);
    const guard = new InMemoryReplayGuard(clock);
    assert.equal(await guard.claim("a", inSeconds(clock, 60)), true);
    assert.equal(await guard.claim("a", inSeconds(clock, 60)), false);
    assert.equal(await guard.claim("b", inSeconds(clock, 60)), true);
  });

  it("remembers an id until its expiry, then may forget it", async () => {
    const clock = new ManualClock(START);
    const guard = new InMemoryReplayGuard(clock);
    await guard.claim("a", inSeconds(clock, 60));
    clock.advance(59_999);
    assert.equal(await guard.claim("a", inSeconds(clock, 60)), false);
    clock.advance(1);
    assert.equal(await guard.claim("a", inSeconds(clock, 60)), true);
  });

  it("stays within its capacity by forgetting expired ids", async () => {
    const clock = new ManualClock(START);
    const guard = new InMemoryReplayGuard(clock, 3);
    await guard.claim("a", inSeconds(clock, 10));
    await guard.claim("b", inSeconds(clock, 10));
    await guard.claim("c", inSeconds(clock, 100));
    clock.advance(10_000);
    assert.equal(await guard.claim("d", inSeconds(clock, 100)), true);
    assert.equal(guard.size, 2);
    assert.equal(await guard.claim("c", inSeconds(clock, 100)), false, "unexpired ids survive the sweep");
  });

  it("refuses to answer rather than forget an id that could still be replayed", async () => {
    const clock = new ManualClock(START);
    const guard = new InMemoryReplayGuard(clock, 2);
    await guard.claim("a", inSeconds(clock, 60));
    await guard.claim("b", inSeconds(clock, 60));
    await assert.rejects(guard.claim("c", inSeconds(clock, 60)), ReplayGuardFullError);
    assert.equal(await guard.claim("a", inSeconds(clock, 60)), false, "a full guard still recognises a replay");
  });
});
