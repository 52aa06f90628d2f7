import { findWhereIn } from "../db/bulk-writes";
import { CompletionEntity } from "../db/entities/completion.entity";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { ActivityWriteBack, AmsSource } from "../sources/ams-source";
import { classifyWritebackError, type RefreshFailure, RefreshFailureCode } from "../sync/refresh-policy";
import type { Timers } from "../time/timers";
import type { WritebackEvents } from "./writeback-events";
import type { ClaimedSend, Settled, WritebackOutbox } from "./writeback-outbox";
import type { WritebackStore } from "./writeback-store";

export interface DispatcherDeps {
  source: AmsSource;
  transactions: TransactionRunner;
  outbox: WritebackOutbox;
  store: WritebackStore;
  events: WritebackEvents;
  logger: Logger;
  timers: Timers;
  batchSize: number;
  concurrency: number;
  /** How often leases are extended while sends are in flight. */
  leaseRenewalMs: number;
}

/** What one claimed batch came to. */
export interface DispatchReport {
  claimed: number;
  sent: number;
  /** Sends that failed and wait to be tried again. */
  retrying: number;
  dead: number;
}

const EMPTY: DispatchReport = { claimed: 0, sent: 0, retrying: 0, dead: 0 };

/**
 * Sends outbox rows to the AMS: claim (SENDING, with a lease) → send with the idempotency key →
 * mark SENT. A crash between send and mark leaves the row SENDING until its lease runs out; it is
 * then sent again under the same key, which the AMS keeps once (contract §1). So a completion is
 * never lost and never recorded twice, and no two processes send it at the same time.
 */
export class WritebackDispatcher {
  constructor(
    private readonly deps: DispatcherDeps,
    readonly owner: string,
  ) {}

  /** One claimed batch: sent, settled and published. */
  async runOnce(): Promise<DispatchReport> {
    const { transactions, outbox, batchSize } = this.deps;
    const { claimed, settled } = await transactions.run((manager) => outbox.claim(manager, transactions.dialect, this.owner, batchSize));
    if (claimed.length === 0) {
      await this.publish(settled.map((row) => row.idempotencyKey));
      return { ...EMPTY, claimed: settled.length, dead: settled.length };
    }
    await this.publish(claimed.map((row) => row.idempotencyKey));
    const results = await this.whileRenewing(
      claimed.map((row) => row.idempotencyKey),
      () => this.sendAll(claimed),
    );
    const outcomes = await transactions.run(async (manager) => {
      const sent = results.filter((result) => result.failure === null).map((result) => result.row.idempotencyKey);
      await outbox.markSent(manager, sent);
      const failed: Settled[] = [];
      for (const result of results)
        if (result.failure !== null) failed.push(await outbox.fail(manager, this.owner, result.row, result.failure));
      return { sent, failed };
    });
    for (const result of results) {
      if (result.failure !== null) {
        this.deps.logger.warn(
          { idempotencyKey: result.row.idempotencyKey, code: result.failure.kind === "lease-lost" ? "LEASE_LOST" : result.failure.code },
          "writeback send failed",
        );
      }
    }
    await this.publish([...claimed.map((row) => row.idempotencyKey), ...settled.map((row) => row.idempotencyKey)]);
    const dead = outcomes.failed.filter((row) => row.status === "DEAD").length;
    return {
      claimed: claimed.length + settled.length,
      sent: outcomes.sent.length,
      retrying: outcomes.failed.length - dead,
      dead: dead + settled.length,
    };
  }

  /** Batches until nothing is due. */
  async drain(): Promise<DispatchReport> {
    const total = { ...EMPTY };
    for (;;) {
      const report = await this.runOnce();
      if (report.claimed === 0) return total;
      total.claimed += report.claimed;
      total.sent += report.sent;
      total.retrying += report.retrying;
      total.dead += report.dead;
    }
  }

  /** Sends every claimed row, `concurrency` at a time; each outcome is its own. */
  private async sendAll(rows: ClaimedSend[]): Promise<Array<{ row: ClaimedSend; failure: RefreshFailure | null }>> {
    const contents = new Map(
      (
        await findWhereIn(
          this.deps.store.manager,
          CompletionEntity,
          "idempotencyKey",
          rows.map((row) => row.idempotencyKey),
        )
      ).map((row) => [row.idempotencyKey, row]),
    );
    const results: Array<{ row: ClaimedSend; failure: RefreshFailure | null }> = [];
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        results.push({ row, failure: await this.sendOne(contents.get(row.idempotencyKey)) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency, rows.length) }, lane));
    return results;
  }

  private async sendOne(completion: CompletionEntity | undefined): Promise<RefreshFailure | null> {
    const writeBack = this.deps.source.writeBack?.bind(this.deps.source);
    if (!writeBack) {
      return { kind: "member", code: RefreshFailureCode.UNSUPPORTED, message: `the ${this.deps.source.name} source takes no writeback` };
    }
    if (!completion) return { kind: "member", code: RefreshFailureCode.INTERNAL, message: "the completion row is missing" };
    const activity: ActivityWriteBack = {
      memberKey: completion.memberKey,
      activityKey: completion.activityKey,
      title: completion.title,
      completedAt: completion.completedAt,
      credits: completion.credits === null ? null : Number(completion.credits),
      creditType: completion.creditType,
      idempotencyKey: completion.idempotencyKey,
    };
    try {
      await writeBack(activity);
      return null;
    } catch (error) {
      return classifyWritebackError(error);
    }
  }

  /** Runs `work`, extending this dispatcher's leases on `keys` until it settles. */
  private async whileRenewing<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    const { timers, leaseRenewalMs, transactions, outbox, logger } = this.deps;
    let handle: unknown;
    let done = false;
    const arm = () => {
      handle = timers.setTimeout(() => {
        void transactions
          .autocommit((manager) => outbox.renew(manager, this.owner, keys))
          .catch((error: unknown) => logger.warn({ err: error }, "could not renew writeback leases"))
          .finally(() => {
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

  private async publish(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      this.deps.events.changed(await this.deps.store.byKeys([...new Set(keys)]));
    } catch (error) {
      // Subscribers miss one status; the outbox row is settled all the same.
      this.deps.logger.warn({ err: error }, "could not publish writeback status");
    }
  }
}
