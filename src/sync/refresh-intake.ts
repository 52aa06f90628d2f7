import type { EntityManager } from "typeorm";
import { chunks } from "../db/bulk-writes";
import type { TransactionRunner } from "../db/transaction-runner";
import type { EventRecord, MemberRecord } from "../sources/member-record";
import type { Clock } from "../time/clock";
import { writeEvents } from "./event-writer";
import type { GroupOutcome, GroupPush } from "./group-push";
import type { MemberWriter, WriteOutcome, WriteResult } from "./member-writer";
import type { RefreshQueue, RefreshReason } from "./refresh-queue";
import type { RunLedger } from "./run-ledger";
import type { SyncEvents } from "./sync-events";

/** Keys handed to the queue for one run. */
export interface IntakeRequest {
  reason: RefreshReason;
  runId: string;
  keys: readonly string[];
  /** How many changes the trigger saw (a poll lists more than it queues); `keys.length` by default. */
  discovered?: number;
  /** The AMS's change time per key, where a poll listed one. */
  listedAt?: ReadonlyMap<string, Date>;
}

/** Work a trigger does in the same transaction as each part of its intake. */
export type Alongside = (manager: EntityManager, keys: string[]) => Promise<void>;

/** Whole records handed in (a push, an import): written now, not fetched. */
export interface RecordsRequest {
  runId: string;
  records: readonly MemberRecord[];
}

/** How each handed-in record went: written (refreshed or unchanged), or refused with why. */
export type RecordResult = { memberKey: string; outcome: WriteOutcome } | { memberKey: string; error: string };

/** How each handed-in event went: written, or refused with why. */
export interface EventResult {
  eventKey: string;
  error?: string;
}

/** A page of a full load: the records the AMS returned, written now; the rest queued. */
export interface LoadedPage {
  runId: string;
  reason: RefreshReason;
  records: readonly MemberRecord[];
  /** Keys the AMS says no longer exist. */
  gone: readonly string[];
  goneListedAt: ReadonlyMap<string, Date>;
  /** Keys that could not be fetched or were answered badly: queued, for the workers and the failure policy. */
  retry: readonly string[];
  /** Changes the page listed. */
  discovered: number;
  listedAt: ReadonlyMap<string, Date>;
}

/** Largest number of keys one intake transaction takes (one multi-row statement each). */
const PART = 1_000;

/**
 * The one way into the refresh queue (DESIGN §1). Every trigger (the change poll, admin
 * mutations, a retry of dead letters, a full resync, a sign-on, a push) hands its keys here:
 * they coalesce into the queue in one multi-row statement per part, carrying the run (or linked
 * to it, for rows another run holds) in the same transaction, so a run never waits for a member
 * that was not queued, nor misses one that was. Idle workers are woken and the queue's size is published after each submission.
 */
export class RefreshIntake {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly deps: {
      queue: RefreshQueue;
      ledger: RunLedger;
      transactions: TransactionRunner;
      writer: MemberWriter;
      events: SyncEvents;
      clock: Clock;
      /** Called after keys were committed to the queue. */
      onQueued: () => void;
    },
  ) {}

  /**
   * Queues inside the caller's transaction (the poller advances its cursor in the same one);
   * the caller calls `queued()` after it commits. Returns how many keys are new to the run.
   */
  async add(manager: EntityManager, request: IntakeRequest): Promise<number> {
    const keys = [...new Set(request.keys)];
    let linked = 0;
    for (const part of chunks(keys, PART)) {
      const { adopted, others } = await this.deps.queue.enqueue(manager, part, request.reason, request.listedAt, request.runId);
      linked += adopted + (others.length > 0 ? await this.deps.ledger.link(manager, others, request.runId) : 0);
    }
    await this.deps.ledger.addDiscovered(manager, request.runId, request.discovered ?? keys.length, linked);
    return linked;
  }

  /** Queues in transactions of its own, a part at a time; `alongside` runs in each one. */
  async submit(request: IntakeRequest, alongside?: Alongside): Promise<void> {
    const keys = [...new Set(request.keys)];
    const parts = keys.length === 0 ? [[]] : chunks(keys, PART);
    for (const [index, part] of parts.entries()) {
      // Whatever the trigger saw beyond its keys is counted once, with the first part.
      const discovered = request.discovered === undefined ? part.length : index === 0 ? request.discovered : 0;
      await this.deps.transactions.run(async (manager) => {
        await this.add(manager, { ...request, keys: part, discovered });
        if (part.length > 0) await alongside?.(manager, part);
      });
    }
    if (keys.length > 0) this.queued();
  }

  /**
   * Queues every key a keyset reader yields (`page(after)` returns the keys after `after`, in
   * order, empty at the end), a page per transaction: a full resync of the cache, a retry of
   * every dead letter. Memory stays flat however many keys there are.
   */
  async submitPaged(
    request: Omit<IntakeRequest, "keys" | "discovered">,
    page: (after: string) => Promise<string[]>,
    options: { discovered: boolean; alongside?: Alongside } = { discovered: true },
  ): Promise<void> {
    for (let after = "", keys = await page(after); keys.length > 0; after = keys.at(-1)!, keys = await page(after)) {
      await this.submit({ ...request, keys, discovered: options.discovered ? keys.length : 0 }, options.alongside);
    }
  }

  /**
   * Writes whole records through the member writer (the same replace-set, content hash and
   * derived status as a refresh), counted on the run, committed before this resolves. A batch
   * the cache refuses is retried record by record, so one bad record fails alone.
   */
  async writeRecords(request: RecordsRequest): Promise<RecordResult[]> {
    const records = [...new Map(request.records.map((record) => [record.memberKey, record])).values()];
    if (records.length === 0) return [];
    const whole = await this.writeBatch(request.runId, records).catch(() => undefined);
    const results: RecordResult[] = [];
    const changes: WriteResult["changes"] = [];
    if (whole) {
      whole.outcomes.forEach((outcome, memberKey) => results.push({ memberKey, outcome }));
      changes.push(...whole.changes);
    } else {
      for (const record of records) {
        try {
          const single = await this.writeBatch(request.runId, [record]);
          single.outcomes.forEach((outcome, memberKey) => results.push({ memberKey, outcome }));
          changes.push(...single.changes);
        } catch (error) {
          results.push({
            memberKey: record.memberKey,
            error: `the cache refused this member: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      }
      const refused = results.filter((result) => "error" in result).length;
      await this.deps.transactions.run(async (manager) => {
        await this.deps.ledger.addWork(manager, request.runId, refused, { refreshed: 0, unchanged: 0, failed: refused });
      });
    }
    for (const change of changes) this.deps.events.memberChanged(change);
    await this.deps.ledger.settle([request.runId]);
    return results;
  }

  /**
   * Writes whole pushed events (upserted by key), counted on the run, committed before this
   * resolves; a batch the cache refuses is retried event by event, so a bad one fails alone.
   */
  async writeEvents(runId: string, records: readonly EventRecord[]): Promise<EventResult[]> {
    const events = [...new Map(records.map((event) => [event.eventKey, event])).values()];
    if (events.length === 0) return [];
    const batch = (part: EventRecord[]) =>
      this.deps.transactions.run(async (manager) => {
        await writeEvents(manager, part, this.deps.clock.now());
        await this.deps.ledger.addWork(manager, runId, part.length, { refreshed: part.length, unchanged: 0, failed: 0 });
      });
    const results: EventResult[] = [];
    if (
      await batch(events).then(
        () => true,
        () => false,
      )
    ) {
      results.push(...events.map((event) => ({ eventKey: event.eventKey })));
    } else {
      for (const event of events) {
        const refused = await batch([event]).then(
          () => null,
          (error: unknown) => `the cache refused this event: ${error instanceof Error ? error.message : String(error)}`,
        );
        results.push(refused === null ? { eventKey: event.eventKey } : { eventKey: event.eventKey, error: refused });
      }
      const failed = results.filter((result) => result.error !== undefined).length;
      await this.deps.transactions.run(async (manager) => {
        await this.deps.ledger.addWork(manager, runId, failed, { refreshed: 0, unchanged: 0, failed });
      });
    }
    await this.deps.ledger.settle([runId]);
    return results;
  }

  /**
   * Applies pushed groups in one transaction: the groups, and every affected member through the
   * member writer (counted on the run as members refreshed or unchanged); change events are
   * published after the commit.
   */
  async writeGroups(runId: string, pushes: readonly GroupPush[]): Promise<GroupOutcome[]> {
    const { outcomes, result } = await this.deps.transactions.run(async (manager) => {
      const written = await this.deps.writer.writeGroupPushes(manager, pushes);
      const values = [...written.result.outcomes.values()];
      const refreshed = values.filter((outcome) => outcome === "refreshed").length;
      await this.deps.ledger.addWork(manager, runId, values.length, { refreshed, unchanged: values.length - refreshed, failed: 0 });
      return written;
    });
    for (const change of result.changes) this.deps.events.memberChanged(change);
    await this.deps.ledger.settle([runId]);
    return outcomes;
  }

  /**
   * Marks cached members gone (DISABLED, never deleted), in one transaction through the member
   * writer: a replace import's members its file left out. Counted on the run like any write.
   */
  async disableMembers(runId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const result = await this.deps.transactions.run(async (manager) => {
      const written = await this.deps.writer.write(manager, [], [...keys]);
      const outcomes = [...written.outcomes.values()];
      const refreshed = outcomes.filter((outcome) => outcome === "refreshed").length;
      await this.deps.ledger.addWork(manager, runId, keys.length, { refreshed, unchanged: outcomes.length - refreshed, failed: 0 });
      return written;
    });
    for (const change of result.changes) this.deps.events.memberChanged(change);
    await this.deps.ledger.settle([runId]);
  }

  private writeBatch(runId: string, records: MemberRecord[]): Promise<WriteResult> {
    return this.deps.transactions.run(async (manager) => {
      const result = await this.deps.writer.write(manager, records, []);
      const outcomes = [...result.outcomes.values()];
      const refreshed = outcomes.filter((outcome) => outcome === "refreshed").length;
      await this.deps.ledger.addWork(manager, runId, records.length, { refreshed, unchanged: outcomes.length - refreshed, failed: 0 });
      return result;
    });
  }

  /**
   * Writes a full load's page through the member writer inside the caller's transaction (which
   * also advances the cursor with the last page), counts it on the run, and queues the keys that
   * need another fetch. Returns the writer's result; the caller publishes its changes after commit.
   */
  async writeLoaded(manager: EntityManager, page: LoadedPage): Promise<WriteResult> {
    const result = await this.deps.writer.write(manager, [...page.records], [...page.gone], page.goneListedAt);
    let refreshed = 0;
    for (const outcome of result.outcomes.values()) if (outcome === "refreshed") refreshed += 1;
    await this.deps.ledger.addWork(manager, page.runId, page.discovered, {
      refreshed,
      unchanged: result.outcomes.size - refreshed,
      failed: 0,
    });
    if (page.retry.length > 0) {
      await this.add(manager, { reason: page.reason, runId: page.runId, keys: page.retry, discovered: 0, listedAt: page.listedAt });
    }
    return result;
  }

  /**
   * Commits the communities and groups a loaded page names before the transaction that writes
   * it (see MemberWriter.prepareReferences). Best effort: a failure here is left to that
   * transaction, which creates whatever this did not and reports what goes wrong.
   */
  async prepareLoaded(records: readonly MemberRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.deps.transactions.autocommit((manager) => this.deps.writer.prepareReferences(manager, records)).catch(() => undefined);
  }

  /** Which of `keys` have a queue row now (pending or held by a worker). */
  queuedOf(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return Promise.resolve(new Set());
    return this.deps.transactions.autocommit((manager) => this.deps.queue.present(manager, keys));
  }

  /** Tells the workers (and whoever listens) that `add` committed work. */
  queued(): void {
    this.deps.onQueued();
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` whenever work was committed to the queue, until the returned function is called. */
  whenQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
