import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type SourceError, SourceErrorCode } from "../src/sources/source.error";
import { type ContractMember, createSalesforceContractHarness, type SourceContractHarness } from "./support/salesforce-contract-harness";

async function keysSince(harness: SourceContractHarness, since: Date | null): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of harness.source.changedMembers(since)) pages.push(page.map((change) => change.memberKey));
  return pages;
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as SourceError,
  );

describe("the Salesforce contract harness", () => {
  let harness: SourceContractHarness;
  const member = (n: number, updatedAt: string, extra: Partial<ContractMember> = {}): ContractMember => ({
    memberKey: `K${n}`,
    firstName: `First${n}`,
    lastName: `Last${n}`,
    email: `k${n}@example.org`,
    updatedAt: new Date(updatedAt),
    ...extra,
  });

  before(async () => {
    harness = await createSalesforceContractHarness();
    const old = Array.from({ length: 5 }, (_, n) => member(n + 1, `2026-01-0${n + 1}T10:00:00Z`));
    await harness.seed([
      ...old,
      member(6, "2026-11-20T10:00:00Z", { email: null }),
      member(7, "2026-11-21T10:00:00Z", { malformed: true }),
    ]);
  });
  after(() => harness.close());

  it("lists everyone in pages of pageSize, then only members changed at or after since", async () => {
    const pages = await keysSince(harness, null);
    assert.ok(pages.every((page) => page.length <= harness.pageSize));
    assert.deepEqual(pages.flat(), ["K1", "K2", "K3", "K4", "K5", "K6", "K7"]);
    assert.deepEqual(
      (await keysSince(harness, new Date("2026-01-04T10:00:00Z"))).flat(),
      ["K4", "K5", "K6", "K7"],
      "old since: SOQL, inclusive",
    );
    assert.deepEqual(
      (await keysSince(harness, new Date("2026-11-20T10:00:00Z"))).flat().sort(),
      ["K6", "K7"],
      "recent since: sObject Get Updated",
    );
  });

  it("fetches records under the suite's keys: missing for unknown ones, a malformed one invalid alone", async () => {
    const fetched = await harness.source.fetchMembers(["K1", "K6", "K7", "NOPE"]);
    assert.deepEqual(
      fetched.members.map((record) => [record.memberKey, record.firstName, record.email]),
      [
        ["K1", "First1", "k1@example.org"],
        ["K6", "First6", null],
      ],
    );
    assert.deepEqual(fetched.missing, ["NOPE"]);
    assert.deepEqual(
      fetched.invalid.map((entry) => [entry.memberKey, entry.error.code]),
      [["K7", SourceErrorCode.CONTRACT_VIOLATION]],
    );
  });

  it("injects temporary, auth and Retry-After faults the source reports with the right codes", async () => {
    harness.fail({ kind: "temporary", times: 1 });
    assert.equal((await harness.source.fetchMembers(["K1"])).members.length, 1, "one 503 is retried");
    // Three 503s outlast the first try and both retries.
    harness.fail({ kind: "temporary", times: 3 });
    assert.equal((await failureOf(harness.source.fetchMembers(["K1"])))?.code, SourceErrorCode.TEMPORARY);
    harness.fail({ kind: "auth", times: 1 });
    assert.equal((await failureOf(harness.source.fetchMembers(["K1"])))?.code, SourceErrorCode.AUTH_REJECTED);
    assert.equal((await harness.source.fetchMembers(["K1"])).members.length, 1, "signs in again afterwards");
    harness.fail({ kind: "retryAfter", retryAfterSeconds: 120, times: 1 });
    const limited = await failureOf(harness.source.fetchMembers(["K1"]));
    assert.deepEqual([limited?.code, limited?.retryAfterMs], [SourceErrorCode.TEMPORARY, 120_000]);
  });
});
