import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MemberChange } from "../src/sources/ams-source";
import { SourceError, SourceErrorCode } from "../src/sources/source.error";
import { createImisContractHarness, type ContractMember, type SourceContractHarness } from "./support/imis-contract-harness";

const member = (n: number, extra: Partial<ContractMember> = {}): ContractMember => ({
  memberKey: `P${n}`,
  firstName: `First${n}`,
  lastName: `Last${n}`,
  email: `p${n}@example.org`,
  updatedAt: new Date(Date.UTC(2026, 0, n)),
  ...extra,
});

async function changes(harness: SourceContractHarness, since: Date | null): Promise<MemberChange[][]> {
  const pages: MemberChange[][] = [];
  for await (const page of harness.source.changedMembers(since)) pages.push(page);
  return pages;
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (error instanceof SourceError ? error.code : String(error)),
  );

describe("the iMIS source contract harness", () => {
  let harness: SourceContractHarness;

  before(async () => {
    harness = await createImisContractHarness();
    await harness.seed([member(1), member(2, { email: null }), member(3), member(4, { malformed: true }), member(5), member(6), member(7)]);
  });

  after(async () => {
    await harness.close();
  });

  it("lists seeded members in pages of pageSize, inclusively since", async () => {
    const pages = await changes(harness, null);
    assert.equal(harness.pageSize, 3);
    assert.deepEqual(
      pages.map((page) => page.length),
      [3, 3, 1],
    );
    const since = (await changes(harness, new Date(Date.UTC(2026, 0, 6)))).flat().map((change) => change.memberKey);
    assert.deepEqual(since, ["P6", "P7"]);
  });

  it("fetches seeded members with their names and emails; a malformed one is invalid, an unknown one missing", async () => {
    const fetched = await harness.source.fetchMembers(["P1", "P2", "P4", "NOPE"]);
    assert.deepEqual(
      fetched.members.map((m) => [m.memberKey, m.firstName, m.lastName, m.email]),
      [
        ["P1", "First1", "Last1", "p1@example.org"],
        ["P2", "First2", "Last2", null],
      ],
    );
    assert.deepEqual(fetched.missing, ["NOPE"]);
    assert.deepEqual(
      fetched.invalid.map((i) => [i.memberKey, i.error.code]),
      [["P4", SourceErrorCode.CONTRACT_VIOLATION]],
    );
  });

  it("a seed again changes a member", async () => {
    await harness.seed([member(1, { lastName: "Renamed", updatedAt: new Date(Date.UTC(2026, 1, 1)) })]);
    const [renamed] = (await harness.source.fetchMembers(["P1"])).members;
    assert.equal(renamed!.lastName, "Renamed");
  });

  it("temporary faults within the retries are absorbed; more fail TEMPORARY", async () => {
    harness.fail({ kind: "temporary", times: 2 });
    assert.equal((await harness.source.fetchMembers(["P3"])).members.length, 1);
    harness.fail({ kind: "temporary", times: 3 });
    assert.equal(await codeOf(harness.source.fetchMembers(["P3"])), SourceErrorCode.TEMPORARY);
  });

  it("an auth fault fails that many calls AUTH_REJECTED, then the source recovers", async () => {
    harness.fail({ kind: "auth", times: 2 });
    assert.equal(await codeOf(harness.source.fetchMembers(["P3"])), SourceErrorCode.AUTH_REJECTED);
    assert.equal(await codeOf(changes(harness, null)), SourceErrorCode.AUTH_REJECTED);
    assert.equal((await harness.source.fetchMembers(["P3"])).members.length, 1);
  });

  it("a long Retry-After is handed back as TEMPORARY with retryAfterMs; a zero one is waited out", async () => {
    harness.fail({ kind: "retryAfter", retryAfterSeconds: 120, times: 1 });
    await assert.rejects(harness.source.fetchMembers(["P3"]), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.deepEqual([error.code, error.retryAfterMs], [SourceErrorCode.TEMPORARY, 120_000]);
      return true;
    });
    harness.fail({ kind: "retryAfter", retryAfterSeconds: 0, times: 1 });
    assert.equal((await harness.source.fetchMembers(["P3"])).members.length, 1);
  });
});
