import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MemberChange } from "../src/sources/ams-source";
import { SourceError, SourceErrorCode } from "../src/sources/source.error";
import { createPersonifyContractHarness, type SourceContractHarness } from "./support/personify-contract-harness";

async function pages(iterable: AsyncIterable<MemberChange[]>): Promise<MemberChange[][]> {
  const all: MemberChange[][] = [];
  for await (const page of iterable) all.push(page);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, String(error));
    return error;
  }
  assert.fail("expected a rejection");
}

describe("the Personify contract harness", () => {
  let harness: SourceContractHarness;
  const at = (day: number) => new Date(Date.UTC(2026, 0, day));

  before(async () => {
    harness = await createPersonifyContractHarness();
    await harness.seed(
      Array.from({ length: 7 }, (_, index) => ({
        memberKey: `C${index + 1}`,
        firstName: `First${index + 1}`,
        lastName: `Last${index + 1}`,
        email: index === 0 ? null : `c${index + 1}@example.org`,
        updatedAt: at(index + 1),
        malformed: index === 6,
      })),
    );
  });

  after(async () => harness.close());

  it("lists seeded members in pages of pageSize, and from a cursor inclusively", async () => {
    const all = await pages(harness.source.changedMembers(null));
    assert.deepEqual(
      all.map((page) => page.length),
      [3, 3, 1],
    );
    assert.ok(all.every((page) => page.length <= harness.pageSize));
    const since = await pages(harness.source.changedMembers(at(6)));
    const keys = [...new Set(since.flat().map((change) => change.memberKey))];
    assert.deepEqual(keys, ["C6", "C7"]);
    assert.equal(since.flat().find((change) => change.memberKey === "C6")!.lastUpdated, at(6).toISOString());
  });

  it("fetches seeded members; unknown keys are missing, the malformed one invalid", async () => {
    const fetched = await harness.source.fetchMembers(["C1", "C2", "NOPE", "C7"]);
    assert.deepEqual(
      fetched.members.map((m) => [m.memberKey, m.firstName, m.lastName, m.email]),
      [
        ["C1", "First1", "Last1", null],
        ["C2", "First2", "Last2", "c2@example.org"],
      ],
    );
    assert.deepEqual(fetched.missing, ["NOPE"]);
    assert.deepEqual(
      fetched.invalid.map((entry) => [entry.memberKey, entry.error.code]),
      [["C7", SourceErrorCode.CONTRACT_VIOLATION]],
    );
  });

  it("injects each fault: temporary within the retries is ridden out, beyond them TEMPORARY; auth; Retry-After", async () => {
    harness.fail({ kind: "temporary", times: 2 });
    assert.equal((await harness.source.fetchMembers(["C1"])).members.length, 1);
    harness.fail({ kind: "temporary", times: 3 });
    assert.equal((await rejection(harness.source.fetchMembers(["C1"]))).code, SourceErrorCode.TEMPORARY);
    harness.fail({ kind: "auth", times: 1 });
    assert.equal((await rejection(pages(harness.source.changedMembers(null)))).code, SourceErrorCode.AUTH_REJECTED);
    harness.fail({ kind: "retryAfter", retryAfterSeconds: 7, times: 1 });
    const limited = await rejection(harness.source.fetchMembers(["C1"]));
    assert.deepEqual([limited.code, limited.retryAfterMs], [SourceErrorCode.TEMPORARY, 7_000]);
    assert.equal((await harness.source.fetchMembers(["C1"])).members.length, 1, "faults are used up");
  });
});
