import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../time/clock";
import type { MemberChange } from "../ams-source";
import { SourceError, SourceErrorCode } from "../source.error";
import { DemoAssociation } from "./demo-association";
import { DemoSource } from "./demo.source";

const NOW = "2026-11-01T12:00:00.000Z";

function demoSource(members: number, options: ConstructorParameters<typeof DemoSource>[1] = {}) {
  const clock = new ManualClock(NOW);
  const association = new DemoAssociation({ seed: 31, members, clock });
  return { clock, association, source: new DemoSource(association, options) };
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe("DemoSource", () => {
  it("lists everyone on a full load, in pages of at most 1,000, generating no records", async () => {
    const { association, source } = demoSource(100_000);
    let total = 0;
    let pages = 0;
    for await (const page of source.changedMembers(null)) {
      assert.ok(page.length <= 1_000);
      total += page.length;
      pages += 1;
    }
    assert.equal(total, 100_000);
    assert.equal(pages, 100);
    assert.equal(association.generatedRecords, 0, "a listing holds keys and times only");
  });

  it("lists changes inclusively since a time", async () => {
    const { clock, association, source } = demoSource(300, { pageSize: 7 });
    clock.advance(1_000);
    association.update("M0000003", (r) => ({ ...r, title: "Editor" }));
    association.update("M0000200", (r) => ({ ...r, title: "Editor" }));
    const changes: MemberChange[] = (await collect(source.changedMembers(clock.now()))).flat();
    assert.deepEqual(
      changes.map((c) => c.memberKey),
      ["M0000003", "M0000200"],
    );
    assert.equal(changes[0]!.lastUpdated, "2026-11-01T12:00:01.000Z");
  });

  it("fetches records through the wire form; unknown and removed keys are missing", async () => {
    const { association, source } = demoSource(50);
    association.remove("M0000005");
    const fetched = await source.fetchMembers(["M0000001", "M0000005", "M0000002", "M0009999", "M0000001"]);
    assert.deepEqual(
      fetched.members.map((m) => m.memberKey),
      ["M0000001", "M0000002"],
    );
    assert.deepEqual(fetched.missing, ["M0000005", "M0009999"]);
    assert.deepEqual(fetched.invalid, []);
    assert.deepEqual(fetched.members[0], association.member("M0000001"));
  });

  it("pages events with the newest LastUpdated of each page", async () => {
    const { association, source } = demoSource(1_000, { eventPageSize: 15 });
    const pages = await collect({
      async *[Symbol.asyncIterator]() {
        for await (const page of source.changedEvents(null)) yield [page];
      },
    });
    const events = pages.flat();
    assert.equal(events.flatMap((p) => p.events).length, association.eventCount);
    assert.ok(events.every((p) => p.events.length <= 15 && p.invalid.length === 0));
    const first = events[0]!;
    const newest = first.events
      .map((e) => e.sourceUpdatedAt!.toISOString())
      .sort()
      .at(-1);
    assert.equal(first.newestUpdate, newest);
  });

  it("signs in by e-mail and demo password, resolves demo SSO, and refuses with AUTH_REJECTED", async () => {
    const { association, source } = demoSource(100);
    const member = association.member("M0000007")!;
    assert.ok(member.email);
    assert.equal(await source.authenticate({ username: member.email, password: "demo-password" }), "M0000007");
    await assert.rejects(source.authenticate({ username: member.email, password: "nope" }), isCode(SourceErrorCode.AUTH_REJECTED));
    const active = ["M0000010", "M0000011", "M0000012"].find((key) => association.member(key)!.isActive)!;
    assert.equal(await source.resolveSsoToken(`demo-sso:${active}`), active);
    await assert.rejects(source.resolveSsoToken("forged"), isCode(SourceErrorCode.AUTH_REJECTED));
  });

  it("writes back activities idempotently and runs onClose", async () => {
    let closed = 0;
    const { association, source } = demoSource(10, { onClose: () => void (closed += 1) });
    const activity = {
      memberKey: "M0000001",
      activityKey: "C-1",
      title: "Course",
      completedAt: new Date(NOW),
      credits: null,
      idempotencyKey: "i-1",
    };
    await source.writeBack(activity);
    await source.writeBack(activity);
    assert.equal(association.recordedActivities().length, 1);
    await source.close();
    assert.equal(closed, 1);
  });
});

function isCode(code: SourceErrorCode) {
  return (error: unknown) => error instanceof SourceError && error.code === code;
}
