import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../time/clock";
import { scriptedRandom, seededRandom } from "../../../test/support/scripted-random";
import { ChangeSimulator, type IntervalTimers, type SimulatedChangeKind } from "./change-simulator";
import { DemoAssociation } from "./demo-association";
import { applyDemoEdit, SIMULATED_CHANGE_KINDS } from "./demo-edits";
import { addDays } from "./demo-math";
import type { MemberRecord } from "../member-record";

const NOW = "2026-11-01T12:00:00.000Z";
const TODAY = "2026-11-01";

/** Timers a test fires by hand. */
class FakeTimers implements IntervalTimers {
  readonly scheduled = new Map<number, { callback: () => void; intervalMs: number }>();
  private nextHandle = 1;

  setInterval(callback: () => void, intervalMs: number): unknown {
    const handle = this.nextHandle++;
    this.scheduled.set(handle, { callback, intervalMs });
    return handle;
  }

  clearInterval(handle: unknown): void {
    this.scheduled.delete(handle as number);
  }

  fire(): void {
    for (const { callback } of this.scheduled.values()) callback();
  }
}

function setUp(random: () => number, changesPerTick = 3) {
  const clock = new ManualClock(NOW);
  const association = new DemoAssociation({ seed: 21, members: 200, clock });
  const timers = new FakeTimers();
  const simulator = new ChangeSimulator({ association, changesPerTick, changeIntervalMs: 20_000, random, timers });
  return { clock, association, timers, simulator };
}

/** Draw to roll a given kind: the middle of its band in the weighted table. */
const KIND_DRAWS: Record<SimulatedChangeKind, number> = {
  contact: 0.1,
  "join-committee": 0.4,
  "leave-committee": 0.5,
  renewal: 0.6,
  lapse: 0.75,
  deactivation: 0.85,
  reactivation: 0.9,
  removal: 0.99,
};

describe("ChangeSimulator", () => {
  it("edits changesPerTick members per tick and stamps each with the clock's now", () => {
    const { clock, association, simulator } = setUp(seededRandom(1));
    clock.advance(5 * 60_000);
    const changes = simulator.tick();
    assert.equal(changes.length, 3);
    const listed = [...association.changes(clock.now())].map((change) => change.memberKey).sort();
    assert.deepEqual(listed, [...new Set(changes.map((change) => change.memberKey))].sort());
    for (const key of listed) assert.equal(association.lastUpdated(key)?.toISOString(), "2026-11-01T12:05:00.000Z");
  });

  it("ticks on the injected timer only while started", () => {
    const { association, timers, simulator } = setUp(seededRandom(2), 2);
    simulator.start();
    simulator.start();
    assert.equal(timers.scheduled.size, 1, "a second start does not double the timer");
    assert.equal([...timers.scheduled.values()][0]!.intervalMs, 20_000);
    timers.fire();
    assert.equal([...association.changes(new Date(NOW))].length, 2);
    simulator.stop();
    assert.equal(timers.scheduled.size, 0);
    assert.equal(simulator.running, false);
  });

  it("stays off when changeIntervalMs is 0", () => {
    const timers = new FakeTimers();
    const association = new DemoAssociation({ seed: 1, members: 10, clock: new ManualClock(NOW) });
    new ChangeSimulator({ association, changesPerTick: 1, changeIntervalMs: 0, timers }).start();
    assert.equal(timers.scheduled.size, 0);
  });

  it("removes a member from the AMS when the draw says so", () => {
    // member draw 0.5 → index 100; kind draw → removal.
    const { association, simulator } = setUp(scriptedRandom([0.5, KIND_DRAWS.removal]), 1);
    assert.deepEqual(simulator.tick(), [{ memberKey: "M0000101", kind: "removal" }]);
    assert.equal(association.isRemoved("M0000101"), true);
    assert.deepEqual([...association.changes(new Date(NOW))], [{ memberKey: "M0000101", lastUpdated: NOW }]);
  });

  it("falls back to a contact change when the drawn kind does not apply", () => {
    // Member M0000001 is active, so a reactivation does not apply.
    const { association, simulator } = setUp(scriptedRandom([0, KIND_DRAWS.reactivation, 0.3]), 1);
    assert.equal(association.member("M0000001")?.isActive, true);
    assert.deepEqual(simulator.tick(), [{ memberKey: "M0000001", kind: "contact" }]);
  });

  it("over many ticks makes every kind of change", () => {
    const { simulator } = setUp(seededRandom(99), 10);
    const seen = new Set<SimulatedChangeKind>();
    for (let tick = 0; tick < 60; tick += 1) for (const change of simulator.tick()) seen.add(change.kind);
    assert.deepEqual([...seen].sort(), [...SIMULATED_CHANGE_KINDS].sort());
  });
});

describe("demo edits", () => {
  const association = new DemoAssociation({ seed: 21, members: 400, clock: new ManualClock(NOW) });
  const members: MemberRecord[] = Array.from({ length: 400 }, (_, i) => association.member(association.keyAt(i))!);
  const duesPayer = members.find((m) => m.memberType === "Regular" && m.membershipExpiresOn !== null && m.membershipExpiresOn > TODAY)!;

  it("renewal extends the membership a year and reactivates", () => {
    const renewed = applyDemoEdit("renewal", { ...duesPayer, isActive: false }, TODAY)!;
    assert.equal(renewed.membershipExpiresOn, addDays(duesPayer.membershipExpiresOn!, 365));
    assert.equal(renewed.isActive, true);
    assert.equal(applyDemoEdit("renewal", members.find((m) => m.memberType === "Non-member")!, TODAY), null);
  });

  it("lapse ends the membership yesterday, with its chapter term", () => {
    const withChapter = members.find(
      (m) => m.communities.some((c) => c.type === "Chapter" && c.endDate === m.membershipExpiresOn) && m.membershipExpiresOn! >= TODAY,
    )!;
    const lapsed = applyDemoEdit("lapse", withChapter, TODAY)!;
    assert.equal(lapsed.membershipExpiresOn, "2026-10-31");
    assert.ok(lapsed.communities.some((c) => c.type === "Chapter" && c.endDate === "2026-10-31"));
  });

  it("joining adds a current committee term and the Volunteers group; leaving ends a term yesterday", () => {
    const person = members.find((m) => m.memberType === "Regular" && m.isActive && !m.communities.some((c) => c.type === "Committee"))!;
    const joined = applyDemoEdit("join-committee", person, TODAY)!;
    const term = joined.communities.at(-1)!;
    assert.equal(term.type, "Committee");
    assert.deepEqual([term.role, term.beginDate, term.endDate], ["Member", TODAY, addDays(TODAY, 729)]);
    assert.ok(joined.securityGroups.some((g) => g.name === "Volunteers"));
    const left = applyDemoEdit("leave-committee", joined, TODAY)!;
    assert.equal(left.communities.at(-1)!.endDate, "2026-10-31");
    assert.equal(applyDemoEdit("leave-committee", left, TODAY), null, "no current committee term left");
  });

  it("deactivation and reactivation flip IsActive only when they apply", () => {
    const off = applyDemoEdit("deactivation", duesPayer, TODAY)!;
    assert.equal(off.isActive, false);
    assert.equal(applyDemoEdit("deactivation", off, TODAY), null);
    assert.equal(applyDemoEdit("reactivation", off, TODAY)?.isActive, true);
  });
});
