import type { EntityManager } from "typeorm";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, FetchedMembers } from "../sources/ams-source";
import type { MemberRecord } from "../sources/member-record";
import { SourceError, SourceErrorCode } from "../sources/source.error";
import type { Timers } from "../time/timers";
import { listedTimesOf } from "./cursor-poll";
import type { MemberChangeEvent } from "./member-change";
import type { MemberWriter, WriteOutcome } from "./member-writer";
import { classifyBatchError, failureCodeOf, RefreshFailureCode } from "./refresh-policy";
import type { Claim, ClaimedRow, MemberFailure, RefreshQueue, RunRef } from "./refresh-queue";
import type { RefreshOutcome, RunLedger } from "./run-ledger";
import type { SyncEvents } from "./sync-events";

export interface RefreshWorkerDeps {
  source: AmsSource;
  transactions: TransactionRunner;
  queue: RefreshQueue;
  writer: MemberWriter;
  ledger: RunLedger;
  events: SyncEvents;
  logger: Logger;
  timers: Timers;
  batchSize: number;
  /** Most members claimed at once when the queue holds a backlog (see {@link claimSize}). */
  backlogBatchSize: number;
  /** Workers in this process sharing the queue: a backlog is split between them. */
  workers: number;
  /** How often a worker extends its leases while the AMS is still answering. */
  leaseRenewalMs: number;
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

/** The claim a batch is settled under: its token, the attempts it counted, the runs each row waits for. */
interface ClaimContext {
  token: string;
  attempts: ReadonlyMap<string, number>;
  waiting: ReadonlyMap<string, RunRef>;
}

interface Written {
  outcomes: Map<string, WriteOutcome>;
  changes: MemberChangeEvent[];
  runIds: string[];
  failed: number;
  released: number;
  /** Runs whose members were given back to wait out an outage, and why. */
  blocked: { runIds: string[]; code: string; message: string } | null;
}

/**
 * Thrown inside a settling transaction to roll it back: some row of the batch is no longer
 * this claim's alone to delete (its lease was lost, or a change or another run arrived).
 */
class ClaimChanged extends Error {}

/**
 * Member Refresh (DESIGN §4.3): claims a batch, fetches it from the AMS (renewing the leases
 * while it answers), writes it and settles the queue rows in one transaction. A malformed record
 * fails alone; a batch the AMS cannot answer is split until the member at fault is found; what
 * each failure means is the refresh policy's to decide.
 *
 * Every claim has its own token, written on the rows it leased; settling deletes the rows where
 * the token still holds them, and that delete is the ownership check: a row it no longer holds
 * (its lease ran out and another worker took it) is neither deleted nor written.
 */
export class RefreshWorker {
  constructor(
    private readonly deps: RefreshWorkerDeps,
    readonly owner: string,
  ) {}

  async runOnce(): Promise<BatchReport> {
    const { token, claimed, deadLettered } = await this.claim();
    if (claimed.length === 0) return { ...EMPTY, claimed: deadLettered };
    const keys = claimed.map((row) => row.memberKey);
    let fetched: FetchedMembers;
    try {
      fetched = await this.whileRenewing(token, keys, () => this.fetchIsolating(keys));
    } catch (error) {
      return this.giveBack(token, claimed, error);
    }
    const report = await this.settle(token, claimed, fetched);
    await this.deps.onQueueMoved();
    return report;
  }

  /** Claims a batch; rows whose lost leases used up their attempts are dead-lettered instead. */
  private async claim(): Promise<{ token: string; claimed: ClaimedRow[]; deadLettered: number }> {
    const { queue, transactions, ledger } = this.deps;
    const claim = await this.claimRetrying();
    if (claim.exhausted.length === 0) return { token: claim.token, claimed: claim.claimed, deadLettered: 0 };
    const waiting = new Map(claim.exhausted.map(({ row }) => [row.memberKey, row]));
    const runIds = await transactions.run(async (manager) => {
      const dead = await queue.deadLetterLost(manager, claim.token, claim.exhausted);
      return ledger.recordOutcomes(manager, new Map(dead.map((key) => [key, "failed" as const])), waiting);
    });
    this.deps.logger.warn({ members: claim.exhausted.length }, "members dead-lettered: their leases kept running out");
    await ledger.settle(runIds);
    await this.deps.onQueueMoved();
    return { token: claim.token, claimed: claim.claimed, deadLettered: claim.exhausted.length };
  }

  private async claimRetrying(): Promise<Claim> {
    const { queue, transactions, workers } = this.deps;
    const sizes = { batchSize: this.deps.batchSize, backlogBatchSize: this.deps.backlogBatchSize, workers };
    // An idle worker asks often (and a full load, written past the queue, leaves it empty).
    const due = await transactions.autocommit((manager) => queue.dueCount(manager, sizes.backlogBatchSize * Math.max(1, workers)));
    if (due === 0) return { token: "", claimed: [], exhausted: [] };
    return transactions.run((manager) => queue.claim(manager, this.owner, claimSize(due, sizes)));
  }

  /** Runs `work`, extending this worker's leases on `keys` until it settles. */
  private async whileRenewing<T>(token: string, keys: string[], work: () => Promise<T>): Promise<T> {
    const { timers, leaseRenewalMs } = this.deps;
    let handle: unknown;
    let done = false;
    const arm = () => {
      handle = timers.setTimeout(() => {
        void this.renew(token, keys).finally(() => {
          if (!done) arm();
        });
      }, leaseRenewalMs);
    };
    arm();
    try {
      return await work();
    } finally {
      done = true;
      timers.clearTimeout(handle);
    }
  }

  private async renew(token: string, keys: string[]): Promise<void> {
    try {
      await this.deps.transactions.autocommit((manager) => this.deps.queue.renew(manager, token, keys));
    } catch (error) {
      // A renewal that fails costs at worst the lease; the write still checks ownership.
      this.deps.logger.warn({ err: error }, "lease renewal failed");
    }
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
            : {
                members: [],
                missing: [],
                invalid: (index === 0 ? keys.slice(0, middle) : keys.slice(middle)).map((memberKey) => ({
                  memberKey,
                  error: asSourceError(half.reason, memberKey),
                })),
              },
        ),
      );
    }
  }

  /** The whole batch failed: the policy says whether that counts against its members. */
  private async giveBack(token: string, claimed: ClaimedRow[], error: unknown): Promise<BatchReport> {
    const failure = classifyBatchError(error);
    const failures = claimed.map((row): MemberFailure => ({ memberKey: row.memberKey, failure }));
    if (failure.kind === "outage") {
      this.deps.logger.warn({ code: failure.code, message: failure.message, members: claimed.length }, "AMS unreachable; batch given back");
    } else if (failure.code === RefreshFailureCode.INTERNAL) {
      this.deps.logger.error({ err: error }, "member refresh failed unexpectedly");
    }
    const report = await this.settle(token, claimed, { members: [], missing: [], invalid: [] }, failures);
    await this.deps.onQueueMoved();
    return report;
  }

  private async settle(
    token: string,
    claimed: ClaimedRow[],
    fetched: FetchedMembers,
    extraFailures: MemberFailure[] = [],
  ): Promise<BatchReport> {
    const attempts = new Map(claimed.map((row) => [row.memberKey, row.attempts]));
    const waiting = new Map<string, RunRef>(claimed.map((row) => [row.memberKey, row]));
    const failures = [...extraFailures, ...this.fetchFailures(claimed, fetched, extraFailures)];
    const listedAt = new Map(claimed.map((row) => [row.memberKey, row.listedAt]));
    // The AMS's change time for a record that carries none: the one its poll listed.
    const records = dedupe(fetched.members.filter((record) => attempts.has(record.memberKey))).map((record) =>
      record.sourceUpdatedAt === null && listedAt.get(record.memberKey)
        ? { ...record, sourceUpdatedAt: listedAt.get(record.memberKey)! }
        : record,
    );
    const gone = fetched.missing.filter((key) => attempts.has(key));
    const goneListedAt = listedTimesOf(gone, listedAt);
    const claim: ClaimContext = { token, attempts, waiting };
    let written = await this.writeAll(claim, records, gone, failures, goneListedAt).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, "batch write failed; writing members one by one");
      return undefined;
    });
    written ??= await this.writeOneByOne(claim, records, gone, failures, goneListedAt);
    for (const change of written.changes) this.deps.events.memberChanged(change);
    await this.deps.ledger.settle(written.runIds);
    if (written.blocked) await this.deps.ledger.announceBlocked(written.blocked.runIds, written.blocked);
    const outcomes = [...written.outcomes.values()];
    return {
      claimed: claimed.length,
      refreshed: outcomes.filter((outcome) => outcome === "refreshed").length,
      unchanged: outcomes.filter((outcome) => outcome === "unchanged").length,
      failed: written.failed,
      released: written.released,
    };
  }

  /** Members the AMS answered with a bad record, or did not answer for at all. */
  private fetchFailures(claimed: ClaimedRow[], fetched: FetchedMembers, extra: MemberFailure[]): MemberFailure[] {
    const answered = new Set([
      ...fetched.members.map((record) => record.memberKey),
      ...fetched.missing,
      ...fetched.invalid.map((entry) => entry.memberKey),
      ...extra.map((entry) => entry.memberKey),
    ]);
    const invalid = fetched.invalid.map(
      (entry): MemberFailure => ({
        memberKey: entry.memberKey,
        failure: { kind: "member", code: failureCodeOf(entry.error), message: entry.error.message },
      }),
    );
    const unanswered = claimed
      .filter((row) => !answered.has(row.memberKey))
      .map(
        (row): MemberFailure => ({
          memberKey: row.memberKey,
          failure: {
            kind: "member",
            code: RefreshFailureCode.CONTRACT_VIOLATION,
            message: "the AMS returned neither the member nor its absence",
          },
        }),
      );
    return [...invalid, ...unanswered];
  }

  /**
   * Writes a batch and settles its rows. Usually one transaction that deletes the claim's rows
   * first (the ownership check) and then writes; when any row is no longer the claim's alone,
   * or some members failed, it settles row by row instead ({@link writeOwned}).
   */
  private async writeAll(
    claim: ClaimContext,
    records: MemberRecord[],
    gone: string[],
    failures: MemberFailure[],
    goneListedAt: ReadonlyMap<string, Date> = new Map(),
  ): Promise<Written> {
    if (failures.length === 0) {
      const written = await this.writeClaimed(claim, records, gone, goneListedAt).catch((error: unknown) => {
        if (error instanceof ClaimChanged) return undefined;
        throw error;
      });
      if (written) return written;
    }
    return this.writeOwned(claim, records, gone, failures, goneListedAt);
  }

  /** The usual batch: every row still this claim's, none changed meanwhile, no further runs. */
  private writeClaimed(
    claim: ClaimContext,
    records: MemberRecord[],
    gone: string[],
    goneListedAt: ReadonlyMap<string, Date>,
  ): Promise<Written> {
    const { transactions, queue, writer, ledger } = this.deps;
    return transactions.run(async (manager: EntityManager) => {
      const keys = [...records.map((record) => record.memberKey), ...gone];
      if (!(await queue.settleClaimed(manager, claim.token, keys))) throw new ClaimChanged();
      const result = await writer.write(manager, records, gone, goneListedAt);
      const runIds = await ledger.recordOutcomes(manager, result.outcomes, claim.waiting);
      return { outcomes: result.outcomes, changes: result.changes, runIds, failed: 0, released: 0, blocked: null };
    });
  }

  /** One transaction: keep only members still leased to this claim, write them, settle their rows and runs. */
  private writeOwned(
    claim: ClaimContext,
    records: MemberRecord[],
    gone: string[],
    failures: MemberFailure[],
    goneListedAt: ReadonlyMap<string, Date> = new Map(),
  ): Promise<Written> {
    const { transactions, queue, writer, ledger } = this.deps;
    return transactions.run(async (manager: EntityManager) => {
      const keys = [...records.map((record) => record.memberKey), ...gone, ...failures.map((entry) => entry.memberKey)];
      const owned = await queue.lockOwned(manager, transactions.dialect, claim.token, keys);
      const result = await writer.write(
        manager,
        records.filter((record) => owned.has(record.memberKey)),
        gone.filter((key) => owned.has(key)),
        goneListedAt,
      );
      const requeued = new Set([...owned].filter(([, row]) => row.requeue).map(([key]) => key));
      await queue.complete(manager, claim.token, [...result.outcomes.keys()], requeued);
      const ownFailures = failures.filter((entry) => owned.has(entry.memberKey));
      const dead = await queue.fail(manager, claim.token, ownFailures, claim.attempts);
      const outcomes = new Map<string, RefreshOutcome>([...result.outcomes, ...dead.map((key) => [key, "failed"] as const)]);
      const runIds = await ledger.recordOutcomes(manager, outcomes, owned);
      const held = ownFailures.filter((entry) => entry.failure.kind === "outage");
      const outage = held[0]?.failure as Extract<MemberFailure["failure"], { kind: "outage" }> | undefined;
      const blocked = outage
        ? {
            runIds: await ledger.runsWaitingOn(
              manager,
              held.map((entry) => entry.memberKey),
              owned,
            ),
            code: outage.code,
            message: outage.message,
          }
        : null;
      return {
        outcomes: result.outcomes,
        changes: result.changes,
        runIds,
        failed: ownFailures.length - held.length,
        released: held.length,
        blocked,
      };
    });
  }

  /** After a batch write failed: each member in its own transaction, so one bad row fails alone. */
  private async writeOneByOne(
    claim: ClaimContext,
    records: MemberRecord[],
    gone: string[],
    failures: MemberFailure[],
    goneListedAt: ReadonlyMap<string, Date>,
  ): Promise<Written> {
    const total: Written = { outcomes: new Map(), changes: [], runIds: [], failed: 0, released: 0, blocked: null };
    const add = (part: Written) => {
      part.outcomes.forEach((outcome, key) => total.outcomes.set(key, outcome));
      total.changes.push(...part.changes);
      total.runIds.push(...part.runIds);
      total.failed += part.failed;
      total.released += part.released;
      total.blocked ??= part.blocked;
    };
    add(await this.writeAll(claim, [], [], failures));
    const singles = [
      ...records.map((record) => ({ records: [record], gone: [] as string[] })),
      ...gone.map((key) => ({ records: [], gone: [key] })),
    ];
    for (const single of singles) {
      const key = single.records[0]?.memberKey ?? single.gone[0]!;
      try {
        add(await this.writeAll(claim, single.records, single.gone, [], goneListedAt));
      } catch (error) {
        this.deps.logger.warn({ err: error, memberKey: key }, "member could not be written");
        const message = `the cache refused this member: ${error instanceof Error ? error.message : String(error)}`;
        add(
          await this.writeAll(
            claim,
            [],
            [],
            [{ memberKey: key, failure: { kind: "member", code: RefreshFailureCode.WRITE_REJECTED, message } }],
          ),
        );
      }
    }
    return total;
  }
}

/**
 * Members one claim takes: `batchSize`, unless more rows are due than this process's workers
 * take in one round of batches; then the backlog is shared out between them, up to
 * `backlogBatchSize` each. Every batch pays its claim transaction, its settling and its runs'
 * bookkeeping once, so a backlog (a poll that listed a thousand changes) costs fewer, larger
 * batches. A claim still takes the highest priorities first; a sign-on queued meanwhile waits
 * for the next claim, as it does behind any batch.
 */
export function claimSize(due: number, sizes: { batchSize: number; backlogBatchSize: number; workers: number }): number {
  const { batchSize, workers } = sizes;
  const share = Math.ceil(due / Math.max(1, workers));
  if (share <= batchSize) return batchSize;
  return Math.min(Math.max(batchSize, sizes.backlogBatchSize), share);
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
