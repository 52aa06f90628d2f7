import type { DataSource, EntityManager } from "typeorm";
import { findWhereIn } from "../db/bulk-writes";
import { MemberEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, MemberChange } from "../sources/ams-source";
import type { MemberRecord } from "../sources/member-record";
import type { Clock } from "../time/clock";
import { instantMs, listedTimesOf, type PollFinish } from "./cursor-poll";
import type { CursorStore } from "./cursor-store";
import type { RefreshIntake } from "./refresh-intake";
import type { RefreshReason } from "./refresh-queue";
import type { SyncEvents } from "./sync-events";

/** A full load under way: when it first started, and whether this is a restart resuming it. */
export interface LoadCheckpoint {
  startedAt: Date;
  resumed: boolean;
  /** The batch being written while the next one is fetched and written. */
  writing?: Promise<void>;
}

export interface FullLoadDeps {
  source: AmsSource;
  dataSource: DataSource;
  transactions: TransactionRunner;
  intake: RefreshIntake;
  cursors: CursorStore;
  events: SyncEvents;
  clock: Clock;
  logger: Logger;
  /** Members per transaction (default {@link LOAD_BATCH}); a listed page larger than this is split. */
  batchSize?: number;
}

/**
 * Members written per transaction. A listed page (1,000 for the demo and REST sources) is split
 * into batches of this size, two in flight at once. What a batch holds (records, rows, statements)
 * lives as long as its fetch and transaction, long enough to be promoted out of the young
 * generation, so the old generation filled with whole pages of garbage between full collections:
 * a 100,000-member load peaked at 315 MB RSS with 1,000 per transaction and at 276 MB with 500,
 * for about 14 statements more per extra batch (BENCHMARKS.md, "Full-load memory").
 */
export const LOAD_BATCH = 500;

/** One transaction's share of a listed page. */
interface LoadBatch {
  keys: string[];
  listedAt: Map<string, Date>;
  /** Listed changes the run counts as discovered with this batch (the whole page's on the first). */
  discovered: number;
}

/** What fetching a page's keys came to. */
interface FetchedPage {
  records: MemberRecord[];
  gone: string[];
  /** Keys to queue: their fetch failed, or the AMS answered them badly or not at all. */
  retry: string[];
}

/**
 * A full load (first load, full resync) that skips the queue (DESIGN §4.1): each listed page is
 * fetched whole and written straight through the member writer, in the transaction that counts
 * it on the run; only keys that could not be fetched (or written) go to the queue, where the
 * workers and the one failure policy take them. Crash safety: the load's start is checkpointed
 * before its first page, the cursor moves only with the last page and never past that start, and
 * a restarted load skips members already written since the start (their `lastRefreshedAt`), so a
 * SIGKILL costs the batches in flight and nothing else.
 */
export class FullLoad {
  constructor(private readonly deps: FullLoadDeps) {}

  /** The checkpoint of the load to run: the one a crashed process left, or a new one. */
  async begin(): Promise<LoadCheckpoint> {
    const startedAt = await this.deps.cursors.loadStartedAt();
    if (startedAt) return { startedAt, resumed: true };
    const now = this.deps.clock.now();
    await this.deps.cursors.beginLoad(now);
    return { startedAt: now, resumed: false };
  }

  /**
   * Fetches and writes one listed page, in batches of `batchSize` members. Two batches are
   * written at once (one transaction each, as two workers did), so the database works on one
   * while the other is fetched and mapped; this returns once all but the page's last batch are
   * committed, and that one is in flight. The last page, with the poll's finish, returns when
   * every batch is committed: its last batch is fetched and mapped while the one before it
   * writes, and records the cursor in its own transaction, which begins only after every other
   * batch committed (so the cursor moves with the last keys written or queued, never before).
   */
  async writePage(runId: string, reason: RefreshReason, page: readonly MemberChange[], finish: PollFinish | null, load: LoadCheckpoint) {
    const batches = batchesOf(page, Math.max(1, this.deps.batchSize ?? LOAD_BATCH));
    for (const [index, batch] of batches.entries()) {
      await this.writeBatch(runId, reason, batch, index === batches.length - 1 ? finish : null, load);
    }
  }

  private async writeBatch(runId: string, reason: RefreshReason, batch: LoadBatch, finish: PollFinish | null, load: LoadCheckpoint) {
    const previous = load.writing;
    const current = this.writeNow(runId, reason, batch, finish, load, finish ? previous : undefined);
    // Observed here so a failure is not unhandled; it is thrown where it is awaited next.
    current.catch(() => undefined);
    load.writing = current;
    await (finish ? Promise.all([previous, current]) : previous);
  }

  /** `after`: a batch whose commit this one's transaction waits for (the last batch, which records the cursor). */
  private async writeNow(
    runId: string,
    reason: RefreshReason,
    batch: LoadBatch,
    finish: PollFinish | null,
    load: LoadCheckpoint,
    after?: Promise<void>,
  ) {
    const { listedAt, discovered } = batch;
    const listed = load.resumed ? await this.notWrittenSince(batch.keys, load.startedAt) : batch.keys;
    // A member the queue holds is the queue's: a worker may be fetching it right now, and the
    // queue's lease and requeue flag are what make its newest state win.
    const held = await this.deps.intake.queuedOf(listed);
    const keys = held.size === 0 ? listed : listed.filter((key) => !held.has(key));
    const fetched = await this.fetch(keys, listedAt);
    if (held.size > 0) fetched.retry.push(...held);
    const goneListedAt = listedTimesOf(fetched.gone, listedAt);
    const written = { runId, reason, listedAt, goneListedAt, discovered };
    let queued = fetched.retry.length > 0;
    await this.deps.intake.prepareLoaded(fetched.records);
    // If the batch before failed, this one ends here too: the cursor must not move past it.
    await after;
    const recordCursor = async (manager: EntityManager) => {
      if (finish) await this.deps.cursors.recordPoll(manager, "members", finish.cursor, finish.polledAt);
    };
    const result = await this.deps.transactions
      .run(async (manager) => {
        const result = await this.deps.intake.writeLoaded(manager, { ...written, ...fetched });
        await recordCursor(manager);
        return result;
      })
      .catch(async (error: unknown) => {
        // The cache refused the batch: it goes to the queue, whose workers write it one by one.
        this.deps.logger.warn({ err: error, members: listed.length }, "full load page could not be written; queued instead");
        queued = listed.length > 0;
        await this.deps.transactions.run(async (manager) => {
          await this.deps.intake.writeLoaded(manager, { ...written, records: [], gone: [], retry: listed });
          await recordCursor(manager);
        });
        return { changes: [], outcomes: new Map() };
      });
    for (const change of result.changes) this.deps.events.memberChanged(change);
    if (queued) this.deps.intake.queued();
  }

  /**
   * After the listing: cached members the load did not write (the AMS no longer lists them) are
   * queued, so their absence is confirmed; then the checkpoint goes.
   */
  async finish(runId: string, reason: RefreshReason, load: LoadCheckpoint): Promise<void> {
    await this.deps.intake.submitPaged({ reason, runId }, (after) => this.staleAfter(after, load.startedAt), { discovered: false });
    await this.deps.cursors.endLoad();
  }

  private async fetch(keys: string[], listedAt: ReadonlyMap<string, Date>): Promise<FetchedPage> {
    const out: FetchedPage = { records: [], gone: [], retry: [] };
    const size = Math.max(1, this.deps.source.maxBatchSize);
    for (let start = 0; start < keys.length; start += size) {
      const chunk = keys.slice(start, start + size);
      try {
        const fetched = await this.deps.source.fetchMembers(chunk);
        const wanted = new Set(chunk);
        const records = new Map(fetched.members.filter((record) => wanted.has(record.memberKey)).map((r) => [r.memberKey, r]));
        const gone = fetched.missing.filter((key) => wanted.has(key) && !records.has(key));
        const answered = new Set([...records.keys(), ...gone]);
        for (const record of records.values()) {
          // The AMS's change time for a record that carries none: the one the listing gave.
          const at = listedAt.get(record.memberKey);
          out.records.push(record.sourceUpdatedAt === null && at ? { ...record, sourceUpdatedAt: at } : record);
        }
        out.gone.push(...gone);
        out.retry.push(...chunk.filter((key) => !answered.has(key)));
      } catch (error) {
        // The workers fetch these again, bisecting, and the failure policy decides what it means.
        this.deps.logger.warn({ err: error, members: chunk.length }, "full load fetch failed; members queued");
        out.retry.push(...chunk);
      }
    }
    return out;
  }

  /** The keys not written since `since` (a resumed load skips what the crashed one wrote). */
  private async notWrittenSince(keys: string[], since: Date): Promise<string[]> {
    if (keys.length === 0) return keys;
    const manager = this.deps.dataSource.manager;
    const written = new Set(
      (await findWhereIn(manager, MemberEntity, "memberKey", keys, ["memberKey", "lastRefreshedAt"]))
        .filter((member) => member.lastRefreshedAt.getTime() >= since.getTime())
        .map((member) => member.memberKey),
    );
    return keys.filter((key) => !written.has(key));
  }

  private async staleAfter(after: string, since: Date): Promise<string[]> {
    const rows = await this.deps.dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder("m")
      .select("m.memberKey", "memberKey")
      .where("m.memberKey > :after", { after })
      .andWhere("m.lastRefreshedAt < :since", { since })
      .orderBy("m.memberKey", "ASC")
      .limit(1_000)
      .getRawMany<{ memberKey: string }>();
    return rows.map((row) => row.memberKey);
  }
}

/**
 * The page's distinct keys in batches of `size`, each with its keys' listed times; the page's
 * count of listed changes goes with the first batch. An empty page is one empty batch (the
 * last page's transaction still records the cursor).
 */
function batchesOf(page: readonly MemberChange[], size: number): LoadBatch[] {
  const { keys, listedAt } = listedTimes(page);
  if (keys.length <= size) return [{ keys, listedAt, discovered: page.length }];
  const batches: LoadBatch[] = [];
  for (let start = 0; start < keys.length; start += size) {
    const part = keys.slice(start, start + size);
    batches.push({ keys: part, listedAt: listedTimesOf(part, listedAt), discovered: start === 0 ? page.length : 0 });
  }
  return batches;
}

/** The page's keys, in order, and each one's newest change time where the AMS gave one that parses. */
function listedTimes(page: readonly MemberChange[]): { keys: string[]; listedAt: Map<string, Date> } {
  const keys = new Set<string>();
  const listedAt = new Map<string, Date>();
  for (const change of page) {
    keys.add(change.memberKey);
    const at = instantMs(change.lastUpdated);
    const seen = listedAt.get(change.memberKey)?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (!Number.isNaN(at) && at > seen) listedAt.set(change.memberKey, new Date(at));
  }
  return { keys: [...keys], listedAt };
}
