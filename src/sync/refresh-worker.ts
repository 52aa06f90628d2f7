import type { EntityManager } from "typeorm";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, FetchedMembers } from "../sources/ams-source";
import type { MemberRecord } from "../sources/member-record";
import { SourceError, SourceErrorCode } from "../sources/source.error";
import type { MemberChangeEvent } from "./member-change";
import type { MemberWriter, WriteResult } from "./member-writer";
import type { ClaimedRow, FailedKey, RefreshQueue, RunCredits } from "./refresh-queue";
import type { SyncEvents } from "./sync-events";
import type { SyncRuns } from "./sync-runs";

export interface RefreshWorkerDeps {
  source: AmsSource;
  transactions: TransactionRunner;
  queue: RefreshQueue;
  writer: MemberWriter;
  runs: SyncRuns;
  events: SyncEvents;
  logger: Logger;
  batchSize: number;
  /** Wait before retrying rows given back because the whole AMS was unreachable. */
  outageBackoffMs: number;
  /** Publishes the queue's size after a batch. */
  onQueueMoved: () => Promise<void>;
}

/** What one claimed batch came to. */
export interface BatchReport {
  claimed: number;
  refreshed: number;
  unchanged: number;
  failed: number;
  released: number;
}

const EMPTY: BatchReport = { claimed: 0, refreshed: 0, unchanged: 0, failed: 0, released: 0 };

/**
 * Member Refresh (DESIGN §4.3): claims a batch, fetches it from the AMS, writes it and settles
 * the queue rows in one transaction. A malformed record fails alone; a batch the AMS cannot
 * answer is split until the member at fault is found; an AMS that answers nothing at all gives
 * the batch back uncounted, to wait out the outage.
 */
export class RefreshWorker {
  constructor(
    private readonly deps: RefreshWorkerDeps,
    readonly owner: string,
  ) {}

  async runOnce(): Promise<BatchReport> {
    const { queue, transactions, batchSize } = this.deps;
    const claimed = await queue.claim(transactions, this.owner, batchSize);
    if (claimed.length === 0) return EMPTY;
    const keys = claimed.map((row) => row.memberKey);
    let fetched: FetchedMembers;
    try {
      fetched = await this.fetchIsolating(keys);
    } catch (error) {
      return this.giveBack(claimed, error);
    }
    const report = await this.settle(claimed, fetched);
    await this.deps.onQueueMoved();
    return report;
  }

  /** Fetches in source-sized chunks, bisecting a failing chunk to find the member at fault. */
  private async fetchIsolating(keys: string[]): Promise<FetchedMembers> {
    const size = Math.max(1, this.deps.source.maxBatchSize);
    const parts: FetchedMembers[] = [];
    for (let start = 0; start < keys.length; start += size) {
      parts.push(await this.bisect(keys.slice(start, start + size)));
    }
    return merge(parts);
  }

  private async bisect(keys: string[]): Promise<FetchedMembers> {
    try {
      return await this.deps.source.fetchMembers(keys);
    } catch (error) {
      if (keys.length === 1 || (error instanceof SourceError && error.code === SourceErrorCode.AUTH_REJECTED)) throw error;
      const middle = Math.ceil(keys.length / 2);
      const halves = await Promise.allSettled([this.bisect(keys.slice(0, middle)), this.bisect(keys.slice(middle))]);
      // Both halves failing means the AMS, not a member, is the problem.
      if (halves.every((half) => half.status === "rejected")) throw error;
      return merge(
        halves.map((half, index) =>
          half.status === "fulfilled"
            ? half.value
            : { members: [], missing: [], invalid: (index === 0 ? keys.slice(0, middle) : keys.slice(middle)).map((memberKey) => ({ memberKey, error: asSourceError(half.reason, memberKey) })) },
        ),
      );
    }
  }

  private async giveBack(claimed: ClaimedRow[], error: unknown): Promise<BatchReport> {
    const keys = claimed.map((row) => row.memberKey);
    if (error instanceof SourceError && error.code === SourceErrorCode.CONTRACT_VIOLATION) {
      // The AMS answered, but not in a form we can read: that counts against these members.
      const failures = keys.map((memberKey) => ({ memberKey, errorCode: error.code, message: error.message }));
      return this.settle(claimed, { members: [], missing: [], invalid: [] }, failures);
    }
    if (error instanceof SourceError) {
      // The AMS may say how long it needs (Retry-After); never come back sooner than that.
      const delayMs = Math.max(this.deps.outageBackoffMs, error.retryAfterMs ?? 0);
      this.deps.logger.warn({ code: error.code, message: error.message, members: keys.length, delayMs }, "AMS unreachable; batch given back");
      await this.deps.transactions.run((manager) => this.deps.queue.release(manager, this.owner, keys, delayMs, error.message));
      await this.deps.onQueueMoved();
      return { ...EMPTY, claimed: claimed.length, released: claimed.length };
    }
    // Not an AMS answer at all: a fault in our code. Count it, so a record that triggers it
    // ends in the dead letters rather than looping forever.
    this.deps.logger.error({ err: error }, "member refresh failed unexpectedly");
    const failures = keys.map((memberKey) => ({ memberKey, errorCode: "INTERNAL", message: "unexpected error while refreshing" }));
    return this.settle(claimed, { members: [], missing: [], invalid: [] }, failures);
  }

  private async settle(claimed: ClaimedRow[], fetched: FetchedMembers, extraFailures: FailedKey[] = []): Promise<BatchReport> {
    const attempts = new Map(claimed.map((row) => [row.memberKey, row.attempts]));
    const answered = new Set([
      ...fetched.members.map((record) => record.memberKey),
      ...fetched.missing,
      ...fetched.invalid.map((entry) => entry.memberKey),
      ...extraFailures.map((failure) => failure.memberKey),
    ]);
    const failures: FailedKey[] = [
      ...extraFailures,
      ...fetched.invalid.map((entry) => ({ memberKey: entry.memberKey, errorCode: entry.error.code, message: entry.error.message })),
      ...claimed
        .filter((row) => !answered.has(row.memberKey))
        .map((row) => ({ memberKey: row.memberKey, errorCode: SourceErrorCode.CONTRACT_VIOLATION, message: "the AMS returned neither the member nor its absence" })),
    ];
    const listedAt = new Map(claimed.map((row) => [row.memberKey, row.listedAt]));
    // The AMS's change time for a record that carries none: the one its poll listed.
    const records = dedupe(fetched.members.filter((record) => attempts.has(record.memberKey))).map((record) =>
      record.sourceUpdatedAt === null && listedAt.get(record.memberKey) ? { ...record, sourceUpdatedAt: listedAt.get(record.memberKey)! } : record,
    );
    const gone = fetched.missing.filter((key) => attempts.has(key));
    let written = await this.writeAll(records, gone, failures, attempts).catch(async (error: unknown) => {
      this.deps.logger.warn({ err: error }, "batch write failed; writing members one by one");
      return undefined;
    });
    if (written === undefined) written = await this.writeOneByOne(records, gone, failures, attempts);
    this.publish(written.changes);
    await this.deps.runs.settle(written.credits.keys());
    return {
      claimed: claimed.length,
      refreshed: [...written.outcomes.values()].filter((outcome) => outcome === "refreshed").length,
      unchanged: [...written.outcomes.values()].filter((outcome) => outcome === "unchanged").length,
      failed: written.failed,
      released: 0,
    };
  }

  /** One transaction: keep only members still leased to us, write them, settle their rows. */
  private writeAll(records: MemberRecord[], gone: string[], failures: FailedKey[], attempts: Map<string, number>) {
    const { transactions, queue, writer, runs } = this.deps;
    return transactions.run(async (manager: EntityManager) => {
      const keys = [...records.map((record) => record.memberKey), ...gone, ...failures.map((failure) => failure.memberKey)];
      const owned = await queue.lockOwned(manager, transactions.dialect, this.owner, keys);
      const result: WriteResult = await writer.write(
        manager,
        records.filter((record) => owned.has(record.memberKey)),
        gone.filter((key) => owned.has(key)),
      );
      const requeued = new Set([...owned].filter(([, row]) => row.requeue).map(([key]) => key));
      const completed = await queue.complete(manager, this.owner, result.outcomes, requeued);
      const ownFailures = failures.filter((failure) => owned.has(failure.memberKey));
      const failed = await queue.fail(manager, this.owner, ownFailures, attempts);
      const credits = mergeCredits(completed, failed.credits);
      await runs.credit(manager, credits);
      return { outcomes: result.outcomes, changes: result.changes, credits, failed: ownFailures.length };
    });
  }

  /** After a batch write failed: each member in its own transaction, so one bad row fails alone. */
  private async writeOneByOne(records: MemberRecord[], gone: string[], failures: FailedKey[], attempts: Map<string, number>) {
    const total = { outcomes: new Map<string, "refreshed" | "unchanged">(), changes: [] as MemberChangeEvent[], credits: new Map() as RunCredits, failed: 0 };
    const add = (part: { outcomes: Map<string, "refreshed" | "unchanged">; changes: MemberChangeEvent[]; credits: RunCredits; failed: number }) => {
      part.outcomes.forEach((outcome, key) => total.outcomes.set(key, outcome));
      total.changes.push(...part.changes);
      total.credits = mergeCredits(total.credits, part.credits);
      total.failed += part.failed;
    };
    add(await this.writeAll([], [], failures, attempts));
    for (const single of [...records.map((record) => ({ records: [record], gone: [] as string[] })), ...gone.map((key) => ({ records: [], gone: [key] }))]) {
      const key = single.records[0]?.memberKey ?? single.gone[0]!;
      try {
        add(await this.writeAll(single.records, single.gone, [], attempts));
      } catch (error) {
        this.deps.logger.warn({ err: error, memberKey: key }, "member could not be written");
        const message = `the cache refused this member: ${error instanceof Error ? error.message : String(error)}`;
        add(await this.writeAll([], [], [{ memberKey: key, errorCode: "WRITE_REJECTED", message }], attempts));
      }
    }
    return total;
  }

  private publish(changes: MemberChangeEvent[]): void {
    for (const change of changes) this.deps.events.memberChanged(change);
  }
}

function asSourceError(reason: unknown, memberKey: string): SourceError {
  if (reason instanceof SourceError) return reason;
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, reason instanceof Error ? reason.message : String(reason), { memberKey });
}

function merge(parts: FetchedMembers[]): FetchedMembers {
  return {
    members: parts.flatMap((part) => part.members),
    missing: parts.flatMap((part) => part.missing),
    invalid: parts.flatMap((part) => part.invalid),
  };
}

/** An AMS that repeats a record in one answer: the last copy wins. */
function dedupe(records: MemberRecord[]): MemberRecord[] {
  return [...new Map(records.map((record) => [record.memberKey, record])).values()];
}

function mergeCredits(a: RunCredits, b: RunCredits): RunCredits {
  const out: RunCredits = new Map();
  for (const source of [a, b]) {
    for (const [runId, credit] of source) {
      const sum = out.get(runId) ?? { refreshed: 0, unchanged: 0, failed: 0 };
      out.set(runId, { refreshed: sum.refreshed + credit.refreshed, unchanged: sum.unchanged + credit.unchanged, failed: sum.failed + credit.failed });
    }
  }
  return out;
}
