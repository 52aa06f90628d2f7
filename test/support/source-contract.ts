import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { AmsSource, FetchedMembers, MemberChange } from "../../src/sources/ams-source";
import { isRetryable, SourceError, SourceErrorCode } from "../../src/sources/source.error";

/**
 * The contract every `AmsSource` keeps (docs/source-protocol.md, "What a source promises"), as one
 * suite a source's test registers in one line: `sourceContract("rest", createRestSourceHarness)`.
 * Each case builds its own harness and closes it, so faults and data never leak between cases.
 */

export interface ContractMember {
  memberKey: string;
  firstName: string;
  lastName: string;
  email: string | null;
  /** the AMS's change time for this member */
  updatedAt: Date;
  /** served so that the source must report it as invalid (malformed record), not throw */
  malformed?: boolean;
}

export type ContractFault =
  | { kind: "temporary"; times: number } // e.g. HTTP 503 / timeout, next N AMS calls
  | { kind: "auth"; times: number } // credentials rejected (401)
  | { kind: "retryAfter"; retryAfterSeconds: number; times: number }; // 429 with Retry-After

export interface SourceContractHarness {
  /** Read after `seed()`: a harness may hand out a new source for new data. */
  source: AmsSource;
  /** Replaces everything the AMS holds with these members. */
  seed(members: ContractMember[]): Promise<void>;
  /** The next `times` calls to the AMS fail this way. */
  fail(fault: ContractFault): void;
  /** Page size the fake uses for change listings (the suite seeds more than this to test paging). */
  readonly pageSize: number;
  close(): Promise<void>;
  /**
   * Faults the source cannot meet at all (an in-process source makes no calls that could fail):
   * `false` skips the cases that need that fault, visibly, as "SKIP" in the test output. Unset
   * means supported.
   */
  readonly supports?: Partial<Record<ContractFault["kind"], boolean>>;
  /**
   * How many times the source tries again after a temporary failure. When known, the suite fails
   * exactly one call more than that, and checks that fewer failures are absorbed; unset, it fails
   * {@link UNKNOWN_RETRIES_FAULTS} calls and skips the checks that need the number.
   */
  readonly retries?: number;
  /** The i-th member's key, for an AMS that only holds keys of its own shape (default `C-00000`). */
  memberKey?(index: number): string;
  /** How many calls the source made to the AMS so far; lets the suite check what was retried. */
  calls?(): number;
  /**
   * The source lists a member once per changed part of its record (one entity set or object each),
   * so a member may appear more than once; the poller coalesces them.
   */
  readonly listsPerPart?: boolean;
  /**
   * `lastUpdated` is the end of the window the AMS said it covered (Salesforce's
   * latestDateCovered), not the record's own time: never earlier than the change, so never a skip.
   */
  readonly lastUpdatedIsWindowEnd?: boolean;
}

/** Calls failed when the harness does not say how often its source retries. */
export const UNKNOWN_RETRIES_FAULTS = 25;
/** A Retry-After longer than any source may wait within a call (the protocol's in-call limit is 30 s). */
const LONG_RETRY_AFTER_SECONDS = 120;
const BASE_MS = Date.UTC(2026, 2, 1, 9, 0, 0);
/** Every case takes milliseconds against a fake; far longer means the source is waiting for real. */
const CASE_TIMEOUT_MS = 30_000;
/** Batches larger than this are not seeded whole, to keep each case quick. */
const MAX_SEEDED_BATCH = 250;

type Harness = SourceContractHarness;

/** Registers a describe() block: every AmsSource must pass it. One line per source. */
export function sourceContract(name: string, create: () => Promise<SourceContractHarness>): void {
  // A source that sleeps out a long Retry-After fails by this timeout instead of hanging the run.
  const test = (title: string, body: (h: Harness, t: TestContext) => Promise<void>) =>
    it(title, { timeout: CASE_TIMEOUT_MS }, async (t) => {
      const h = await create();
      try {
        await body(h, t);
      } finally {
        await h.close();
      }
    });

  describe(`AmsSource contract: ${name}`, () => {
    describe("listing changes", () => {
      test("changedMembers(null) lists every member exactly once, over several pages", listsEveryone);
      test("changedMembers(since) includes a change made exactly at since and leaves out older ones", readsInclusively);
    });
    describe("fetching members", () => {
      test("fetchMembers returns full records for a batch of up to maxBatchSize keys", fetchesABatch);
      test("fetchMembers reports unknown keys in missing", reportsMissing);
      test("a malformed record comes back invalid (CONTRACT_VIOLATION) while the rest of its batch arrives", isolatesMalformed);
    });
    describe("faults", () => {
      test("a temporary failure that outlasts the source's retries surfaces as a retryable TEMPORARY", surfacesTemporary);
      test("a temporary failure shorter than the source's retries is absorbed", absorbsTemporary);
      test("a listing that fails midway throws TEMPORARY instead of ending early", failsMidListing);
      test("rejected credentials surface as AUTH_REJECTED at once, not retryable", surfacesAuth);
      test("a Retry-After too long to wait within a call gives up at once, carrying retryAfterMs", carriesRetryAfter);
      test("a Retry-After of 0 is waited out within the call, which then succeeds", waitsShortRetryAfter);
    });
    describe("events", () => {
      test("changedEvents(null) iterates without throwing", iteratesEvents);
    });
  });
}

function members(h: Harness, count: number, updatedAt = (index: number) => new Date(BASE_MS + index * 60_000)): ContractMember[] {
  return Array.from({ length: count }, (_, index) => ({
    memberKey: h.memberKey?.(index) ?? `C-${String(index).padStart(5, "0")}`,
    firstName: `First${index}`,
    lastName: `Last${index}`,
    email: index % 5 === 3 ? null : `member${index}@example.org`,
    updatedAt: updatedAt(index),
  }));
}

/** A key no seeded member has. */
const unknownKey = (h: Harness, seeded: number, n: number) => h.memberKey?.(seeded + 10 + n) ?? `C-UNKNOWN-${n}`;

async function listAll(source: AmsSource, since: Date | null): Promise<MemberChange[][]> {
  const pages: MemberChange[][] = [];
  for await (const page of source.changedMembers(since)) pages.push(page);
  return pages;
}

function assertListed(
  pages: MemberChange[][],
  expected: ContractMember[],
  h: Pick<Harness, "listsPerPart" | "lastUpdatedIsWindowEnd"> = {},
): void {
  assert.ok(
    pages.every((page) => page.length > 0),
    "no empty pages",
  );
  const listed = pages.flat();
  const keys = listed.map((change) => change.memberKey);
  if (!h.listsPerPart) assert.equal(new Set(keys).size, keys.length, `no member listed twice: ${keys.join(",")}`);
  assert.deepEqual([...new Set(keys)].sort(), expected.map((member) => member.memberKey).sort(), "every member listed, none extra");
  const changedAt = new Map(expected.map((member) => [member.memberKey, member.updatedAt.getTime()]));
  for (const change of listed) {
    const at = Date.parse(change.lastUpdated);
    if (h.lastUpdatedIsWindowEnd)
      assert.ok(at >= changedAt.get(change.memberKey)!, `lastUpdated of ${change.memberKey} is not before its change`);
    else assert.equal(at, changedAt.get(change.memberKey), `lastUpdated of ${change.memberKey} is the AMS's change time`);
  }
}

async function listsEveryone(h: Harness): Promise<void> {
  const seeded = members(h, h.pageSize * 2 + 3);
  await h.seed(seeded);
  const pages = await listAll(h.source, null);
  assert.ok(pages.length > 1, `expected several pages for ${seeded.length} members at ${h.pageSize} a page, got ${pages.length}`);
  assertListed(pages, seeded, h);
}

async function readsInclusively(h: Harness): Promise<void> {
  const count = h.pageSize * 3;
  const pivot = Math.floor(count / 3);
  const seeded = members(h, count);
  const since = seeded[pivot]!.updatedAt;
  // One second older than `since`: whole seconds, so an AMS that keeps no milliseconds agrees.
  seeded[pivot - 1]!.updatedAt = new Date(since.getTime() - 1_000);
  await h.seed(seeded);
  assertListed(await listAll(h.source, since), seeded.slice(pivot), h);
  assert.deepEqual(await listAll(h.source, new Date(BASE_MS + count * 60_000)), [], "nothing changed after the newest change");
}

function assertRecords(fetched: FetchedMembers, expected: ContractMember[]): void {
  const byKey = new Map(fetched.members.map((record) => [record.memberKey, record]));
  assert.equal(fetched.members.length, expected.length, "one record per key asked for");
  for (const member of expected) {
    const record = byKey.get(member.memberKey);
    assert.ok(record, `a record for ${member.memberKey}`);
    assert.deepEqual(
      { memberKey: record.memberKey, firstName: record.firstName, lastName: record.lastName, email: record.email },
      { memberKey: member.memberKey, firstName: member.firstName, lastName: member.lastName, email: member.email },
    );
  }
}

async function fetchesABatch(h: Harness): Promise<void> {
  const batch = members(h, Math.min(h.source.maxBatchSize, MAX_SEEDED_BATCH));
  await h.seed(batch);
  const fetched = await h.source.fetchMembers([...batch].reverse().map((member) => member.memberKey));
  assert.deepEqual([fetched.missing, fetched.invalid], [[], []]);
  assertRecords(fetched, batch);
}

async function reportsMissing(h: Harness): Promise<void> {
  const seeded = members(h, 3);
  await h.seed(seeded);
  const unknown = [unknownKey(h, 3, 0), unknownKey(h, 3, 1)];
  const fetched = await h.source.fetchMembers([seeded[0]!.memberKey, unknown[0]!, seeded[2]!.memberKey, unknown[1]!]);
  assert.deepEqual([...fetched.missing].sort(), [...unknown].sort());
  assert.deepEqual(fetched.invalid, []);
  assertRecords(fetched, [seeded[0]!, seeded[2]!]);
}

async function isolatesMalformed(h: Harness): Promise<void> {
  const seeded = members(h, 5);
  seeded[2]!.malformed = true;
  await h.seed(seeded);
  const fetched = await h.source.fetchMembers(seeded.map((member) => member.memberKey));
  assert.deepEqual(fetched.missing, []);
  assert.deepEqual(
    fetched.invalid.map((entry) => entry.memberKey),
    [seeded[2]!.memberKey],
  );
  const { error } = fetched.invalid[0]!;
  assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
  assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION, error.message);
  assert.equal(isRetryable(error), false);
  assertRecords(
    fetched,
    seeded.filter((member) => !member.malformed),
  );
  // Still listed as changed, so a poll queues it and its failure shows instead of vanishing.
  assertListed(await listAll(h.source, null), seeded, h);
}

/** Skips (visibly) when the harness cannot express the fault. */
function unsupported(h: Harness, t: TestContext, kind: ContractFault["kind"]): boolean {
  if (h.supports?.[kind] !== false) return false;
  t.skip(`the ${kind} fault cannot happen to this source`);
  return true;
}

async function rejection(attempt: Promise<unknown>, code: SourceErrorCode): Promise<SourceError> {
  const error = await attempt.then(
    () => assert.fail(`expected SourceError ${code}, but the call succeeded`),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof SourceError, `expected SourceError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

function assertCalls(h: Harness, before: number | undefined, expected: number, why: string): void {
  if (before !== undefined && h.calls) assert.equal(h.calls() - before, expected, why);
}

async function surfacesTemporary(h: Harness, t: TestContext): Promise<void> {
  if (unsupported(h, t, "temporary")) return;
  const seeded = members(h, 3);
  await h.seed(seeded);
  const before = h.calls?.();
  h.fail({ kind: "temporary", times: (h.retries ?? UNKNOWN_RETRIES_FAULTS) + 1 });
  const error = await rejection(h.source.fetchMembers([seeded[0]!.memberKey]), SourceErrorCode.TEMPORARY);
  assert.equal(isRetryable(error), true);
  if (h.retries === undefined) return;
  assertCalls(h, before, h.retries + 1, "the first try and every retry");
  assertRecords(await h.source.fetchMembers([seeded[0]!.memberKey]), [seeded[0]!]);
}

async function absorbsTemporary(h: Harness, t: TestContext): Promise<void> {
  if (unsupported(h, t, "temporary")) return;
  if (!h.retries) return void t.skip("the harness does not say the source retries");
  const seeded = members(h, 2);
  await h.seed(seeded);
  h.fail({ kind: "temporary", times: h.retries });
  assertRecords(await h.source.fetchMembers(seeded.map((member) => member.memberKey)), seeded);
}

async function failsMidListing(h: Harness, t: TestContext): Promise<void> {
  if (unsupported(h, t, "temporary")) return;
  await h.seed(members(h, h.pageSize * 2 + 3));
  const pages = h.source.changedMembers(null)[Symbol.asyncIterator]();
  try {
    const first = await pages.next();
    assert.equal(first.done, false);
    h.fail({ kind: "temporary", times: (h.retries ?? UNKNOWN_RETRIES_FAULTS) + 1 });
    const error = await rejection(pages.next(), SourceErrorCode.TEMPORARY);
    assert.equal(isRetryable(error), true);
  } finally {
    await pages.return?.();
  }
}

async function surfacesAuth(h: Harness, t: TestContext): Promise<void> {
  if (unsupported(h, t, "auth")) return;
  const seeded = members(h, 2);
  await h.seed(seeded);
  const before = h.calls?.();
  h.fail({ kind: "auth", times: 1 });
  const error = await rejection(h.source.fetchMembers([seeded[0]!.memberKey]), SourceErrorCode.AUTH_REJECTED);
  assert.equal(isRetryable(error), false);
  assertCalls(h, before, 1, "credentials rejected are not tried again");
  h.fail({ kind: "auth", times: 1 });
  await rejection(listAll(h.source, null), SourceErrorCode.AUTH_REJECTED);
}

async function carriesRetryAfter(h: Harness, t: TestContext): Promise<void> {
  if (unsupported(h, t, "retryAfter")) return;
  const seeded = members(h, 2);
  await h.seed(seeded);
  const before = h.calls?.();
  h.fail({ kind: "retryAfter", retryAfterSeconds: LONG_RETRY_AFTER_SECONDS, times: 1 });
  const error = await rejection(h.source.fetchMembers([seeded[0]!.memberKey]), SourceErrorCode.TEMPORARY);
  assert.equal(isRetryable(error), true);
  const askedMs = LONG_RETRY_AFTER_SECONDS * 1000;
  assert.ok(Math.abs((error.retryAfterMs ?? Number.NaN) - askedMs) <= 1_000, `retryAfterMs ${error.retryAfterMs} ≈ ${askedMs}`);
  assertCalls(h, before, 1, "a pause too long to wait out is not retried within the call");
}

async function waitsShortRetryAfter(h: Harness, t: TestContext): Promise<void> {
  if (unsupported(h, t, "retryAfter")) return;
  if (h.retries === 0) return void t.skip("the source does not retry");
  const seeded = members(h, 2);
  await h.seed(seeded);
  const before = h.calls?.();
  h.fail({ kind: "retryAfter", retryAfterSeconds: 0, times: 1 });
  assertRecords(await h.source.fetchMembers([seeded[1]!.memberKey]), [seeded[1]!]);
  assertCalls(h, before, 2, "the refused call and its retry");
}

async function iteratesEvents(h: Harness): Promise<void> {
  await h.seed(members(h, 3));
  for await (const page of h.source.changedEvents(null)) {
    assert.ok(Array.isArray(page.events) && Array.isArray(page.invalid), "a page has events and invalid entries");
    for (const event of page.events) assert.equal(typeof event.eventKey, "string");
    for (const entry of page.invalid) assert.ok(entry.error instanceof SourceError);
  }
}
