import type { DataSource } from "typeorm";
import { CommunityEntity, CommunityMembershipEntity, RefreshFailureEntity, RefreshQueueEntity } from "../db/entities";
import type { SyncRunKindValue } from "../db/entities/sync-run.entity";
import type { Timers } from "../time/timers";
import type { ChangePoller } from "./change-poller";
import type { CursorStore } from "./cursor-store";
import type { EventPoller } from "./event-poller";
import type { EventRecord, MemberRecord } from "../sources/member-record";
import type { GroupOutcome, GroupPush } from "./group-push";
import type { EventResult, RecordResult, RefreshIntake } from "./refresh-intake";
import type { RefreshReason } from "./refresh-queue";
import type { RunLedger } from "./run-ledger";
import { SyncError, SyncErrorCode } from "./sync.error";
import type { QueueState, SyncEvents, SyncRunSnapshot } from "./sync-events";

/** Shortest gap between two publications of the queue's size. */
const QUEUE_PUBLISH_INTERVAL_MS = 250;

/** Most keys one `refreshMembers` call may name. */
export const MAX_KEYS_PER_REQUEST = 10_000;
const MAX_KEY_LENGTH = 100;

export interface SyncServiceDeps {
  dataSource: DataSource;
  intake: RefreshIntake;
  runs: RunLedger;
  cursors: CursorStore;
  poller: ChangePoller;
  eventPoller: EventPoller;
  events: SyncEvents;
  waitTimeoutMs: number;
  /** Longest an admin's poll queues behind a poll in progress before it fails. */
  pollWaitMs: number;
  timers: Timers;
  /** Who leads (polls, sweeps), read from the shared lease. */
  leader: () => Promise<string | null>;
}

export interface SyncStatus extends QueueState {
  /** The process that polls and sweeps now; null while none holds the lease. */
  leader: string | null;
  lastSuccessfulPollAt: Date | null;
  cursors: Array<{
    stream: string;
    cursor: string | null;
    lastPolledAt: Date | null;
    lastSuccessfulPollAt: Date | null;
    lastError: string | null;
  }>;
  running: SyncRunSnapshot[];
}

/**
 * What the outside world (GraphQL mutations, sign-on) may ask of sync. Every request becomes a
 * sync run that is returned at once; the work happens in the workers.
 */
export class SyncService {
  private readonly background = new Set<Promise<unknown>>();
  private lastQueueState: QueueState | undefined;
  private queuePublishing: Promise<void> = Promise.resolve();
  private queueTimer: unknown;
  private queueDirty = false;

  private readonly queueWatch: AsyncIterator<unknown>;

  constructor(private readonly deps: SyncServiceDeps) {
    // What subscribers last saw is what any process last published, not what this one did: a
    // worker draining to 0 must say so even if it said 0 itself before another process queued.
    this.queueWatch = deps.events.queueStates()[Symbol.asyncIterator]();
    void this.watchQueue();
  }

  private async watchQueue(): Promise<void> {
    try {
      for (let next = await this.queueWatch.next(); !next.done; next = await this.queueWatch.next()) {
        this.lastQueueState = next.value as QueueState;
      }
    } catch {
      // The channel closed: nothing more to watch.
    }
  }

  /** Queues one member; with `wait`, returns once it is refreshed (or the wait times out). */
  async refreshMember(key: string, options: { wait: boolean; reason?: "MANUAL" | "LOGIN"; waitMs?: number }): Promise<SyncRunSnapshot> {
    const reason = options.reason ?? "MANUAL";
    const run = await this.queueKeys(reason, reason, validKeys([key]), key);
    if (!options.wait) return run;
    return (await this.waitForRun(run.id, options.waitMs)) ?? (await this.deps.runs.get(run.id)) ?? run;
  }

  async refreshMembers(keys: string[]): Promise<SyncRunSnapshot> {
    return this.queueKeys("MANUAL", "MANUAL", validKeys(keys), `${new Set(keys).size} members`);
  }

  /** Every member the cache lists in the community. */
  async refreshCommunity(communityKey: string): Promise<SyncRunSnapshot> {
    const community = await this.deps.dataSource.getRepository(CommunityEntity).findOneBy({ communityKey });
    if (!community) throw new SyncError(SyncErrorCode.NOT_FOUND, `No community with key "${communityKey}" is in the cache`);
    const rows = await this.deps.dataSource
      .getRepository(CommunityMembershipEntity)
      .createQueryBuilder("cm")
      .select("DISTINCT cm.memberKey", "memberKey")
      .where("cm.communityKey = :communityKey", { communityKey })
      .getRawMany<{ memberKey: string }>();
    return this.queueKeys(
      "COMMUNITY",
      "COMMUNITY",
      rows.map((row) => row.memberKey),
      communityKey,
    );
  }

  runPeriodicRefresh(): Promise<SyncRunSnapshot> {
    return this.startPoll((onStarted) => this.deps.poller.pollMembers("PERIODIC", onStarted, this.deps.pollWaitMs));
  }

  fullResync(): Promise<SyncRunSnapshot> {
    return this.startPoll((onStarted) => this.deps.poller.pollMembers("FULL", onStarted, this.deps.pollWaitMs));
  }

  runEventRefresh(): Promise<SyncRunSnapshot> {
    return this.startPoll((onStarted) => this.deps.eventPoller.poll(onStarted, this.deps.pollWaitMs));
  }

  /**
   * Writes whole pushed records now, in one run of kind PUSH (or IMPORT): resolves once they are
   * committed, each record with its own outcome (one refused record never blocks the others).
   */
  async acceptPushedMembers(
    records: readonly MemberRecord[],
    options: { kind?: "PUSH" | "IMPORT" | "MANUAL"; detail: string | null },
  ): Promise<{ run: SyncRunSnapshot; results: RecordResult[] }> {
    const run = await this.deps.runs.start(options.kind ?? "PUSH", options.detail);
    let results: RecordResult[];
    try {
      results = await this.deps.intake.writeRecords({ runId: run.id, records });
    } catch (error) {
      await this.deps.runs
        .failRun(run.id, `the cache could not take the records: ${error instanceof Error ? error.message : String(error)}`)
        .catch(() => undefined);
      throw error;
    }
    return { run: await this.endIntake(run), results };
  }

  /** Writes whole pushed events now, in one run of kind PUSH: resolves once they are committed. */
  async acceptPushedEvents(events: readonly EventRecord[], detail: string): Promise<{ run: SyncRunSnapshot; results: EventResult[] }> {
    const run = await this.deps.runs.start("PUSH", detail);
    let results: EventResult[];
    try {
      results = await this.deps.intake.writeEvents(run.id, events);
    } catch (error) {
      await this.deps.runs
        .failRun(run.id, `the cache could not take the events: ${error instanceof Error ? error.message : String(error)}`)
        .catch(() => undefined);
      throw error;
    }
    return { run: await this.endIntake(run), results };
  }

  /** Applies pushed AMS groups in one transaction and one run of kind PUSH; resolves once committed. */
  async acceptPushedGroups(pushes: readonly GroupPush[], detail: string): Promise<{ run: SyncRunSnapshot; outcomes: GroupOutcome[] }> {
    const run = await this.deps.runs.start("PUSH", detail);
    let outcomes: GroupOutcome[];
    try {
      outcomes = await this.deps.intake.writeGroups(run.id, pushes);
    } catch (error) {
      await this.deps.runs
        .failRun(run.id, `the cache could not take the groups: ${error instanceof Error ? error.message : String(error)}`)
        .catch(() => undefined);
      throw error;
    }
    return { run: await this.endIntake(run), outcomes };
  }

  /** Opens a run of kind IMPORT that takes records a batch at a time ({@link importRecords}). */
  beginImport(detail: string): Promise<SyncRunSnapshot> {
    return this.deps.runs.start("IMPORT", detail);
  }

  /** Writes one batch of an import's records, committed before this resolves. */
  importRecords(runId: string, records: readonly MemberRecord[]): Promise<RecordResult[]> {
    return this.deps.intake.writeRecords({ runId, records });
  }

  /** A replace import's cached members that its file left out: they become DISABLED. */
  disableImportAbsent(runId: string, keys: readonly string[]): Promise<void> {
    return this.deps.intake.disableMembers(runId, keys);
  }

  /** An admin disables a member by hand (AMS_SOURCE=spreadsheet): one MANUAL run, through the member writer. */
  async disableMember(key: string): Promise<SyncRunSnapshot> {
    const run = await this.deps.runs.start("MANUAL", `disableMember ${key}`);
    await this.deps.intake.disableMembers(run.id, validKeys([key]));
    return this.endIntake(run);
  }

  /** Rows of an import refused before writing: the run counts them as failed. */
  countSkipped(runId: string, rows: number): Promise<void> {
    return this.deps.runs.countRefused(runId, rows);
  }

  /** The import read its last row: the run ends with its counts. */
  endImport(runId: string): Promise<SyncRunSnapshot> {
    return this.deps.runs.get(runId).then((run) => this.endIntake(run!));
  }

  /** The import could not go on (the file broke off, the cache refused): the run says why. */
  failImport(runId: string, why: string): Promise<void> {
    return this.deps.runs.failRun(runId, why);
  }

  /** Queues members an outside system says changed (a signed webhook), in one run of kind WEBHOOK. */
  async queueChanged(keys: string[], reason: "PUSH", detail: string | null): Promise<SyncRunSnapshot> {
    return this.queueKeys("WEBHOOK", reason, validKeys(keys), detail);
  }

  /** Moves dead letters (all, or the named ones) back into the queue. */
  async retryRefreshFailures(keys: string[] | null): Promise<SyncRunSnapshot> {
    const run = await this.deps.runs.start("RETRY", keys ? `${keys.length} members` : "all failures");
    const wanted = keys ? validKeys(keys) : null;
    await this.deps.intake.submitPaged({ reason: "RETRY", runId: run.id }, (after) => this.failuresAfter(after, wanted), {
      discovered: true,
      alongside: (manager, page) =>
        manager
          .createQueryBuilder()
          .delete()
          .from(RefreshFailureEntity)
          .where("memberKey IN (:...page)", { page })
          .execute()
          .then(() => undefined),
    });
    return this.endIntake(run);
  }

  private async failuresAfter(after: string, wanted: string[] | null): Promise<string[]> {
    const query = this.deps.dataSource
      .getRepository(RefreshFailureEntity)
      .createQueryBuilder("f")
      .select("f.memberKey", "memberKey")
      .where("f.memberKey > :after", { after })
      .orderBy("f.memberKey", "ASC")
      .limit(500);
    if (wanted) query.andWhere("f.memberKey IN (:...wanted)", { wanted });
    return (await query.getRawMany<{ memberKey: string }>()).map((row) => row.memberKey);
  }

  async status(): Promise<SyncStatus> {
    const cursors = await this.deps.cursors.all();
    const running = await this.deps.runs.running();
    const members = cursors.find((cursor) => cursor.stream === "members");
    return {
      ...(await this.queueState()),
      leader: await this.deps.leader(),
      lastSuccessfulPollAt: members?.lastSuccessfulPollAt ?? null,
      cursors,
      running,
    };
  }

  async queueState(): Promise<QueueState> {
    const [pending, deadLetters] = await Promise.all([
      this.deps.dataSource.getRepository(RefreshQueueEntity).count(),
      this.deps.dataSource.getRepository(RefreshFailureEntity).count(),
    ]);
    return { pending, deadLetters };
  }

  /**
   * Publishes the queue's size when it moved, at most once per interval (counting a large queue
   * is not free, and a full load finishes a batch many times a second), always with a trailing
   * publication so subscribers end on the true size. Counts are chained, never interleaved.
   */
  publishQueueState(): Promise<void> {
    if (this.queueTimer !== undefined) {
      this.queueDirty = true;
      return this.queuePublishing;
    }
    this.queueTimer = this.deps.timers.setTimeout(() => {
      this.queueTimer = undefined;
      if (this.queueDirty) {
        this.queueDirty = false;
        void this.publishQueueState();
      }
    }, QUEUE_PUBLISH_INTERVAL_MS);
    this.queuePublishing = this.queuePublishing
      .then(async () => {
        const state = await this.queueState();
        const last = this.lastQueueState;
        if (last && last.pending === state.pending && last.deadLetters === state.deadLetters) return;
        this.lastQueueState = state;
        this.deps.events.queueChanged(state);
      })
      .catch(() => undefined);
    return this.queuePublishing;
  }

  run(runId: string): Promise<SyncRunSnapshot | undefined> {
    return this.deps.runs.get(runId);
  }

  waitForRun(runId: string, waitMs = this.deps.waitTimeoutMs): Promise<SyncRunSnapshot | undefined> {
    return this.deps.events.waitForRun(runId, waitMs, () => this.deps.runs.get(runId));
  }

  /** Waits for background discoveries started by requests (for shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.background]);
    if (this.queueTimer !== undefined) this.deps.timers.clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    await this.queuePublishing;
    await this.queueWatch.return?.();
  }

  private async queueKeys(kind: SyncRunKindValue, reason: RefreshReason, keys: string[], detail: string | null): Promise<SyncRunSnapshot> {
    const run = await this.deps.runs.start(kind, detail);
    await this.deps.intake.submit({ reason, runId: run.id, keys });
    return this.endIntake(run);
  }

  /** A run whose keys are all queued: it ends as soon as they are refreshed. */
  private async endIntake(run: SyncRunSnapshot): Promise<SyncRunSnapshot> {
    await this.deps.runs.endDiscovery(run.id);
    void this.publishQueueState();
    return (await this.deps.runs.get(run.id)) ?? run;
  }

  /**
   * Starts a poll and answers with its run as soon as the run exists; discovery goes on in the
   * background (behind another process's poll, if one is running).
   */
  private startPoll(poll: (onStarted: (run: SyncRunSnapshot) => void) => Promise<SyncRunSnapshot | undefined>): Promise<SyncRunSnapshot> {
    return new Promise<SyncRunSnapshot>((resolve, reject) => {
      const task: Promise<void> = poll(resolve)
        .then((run) => (run ? resolve(run) : reject(new SyncError(SyncErrorCode.INVALID_REQUEST, "the poll could not start"))))
        .catch(reject)
        .finally(() => this.background.delete(task));
      this.background.add(task);
    });
  }
}

function validKeys(keys: string[]): string[] {
  const unique = [...new Set(keys.map((key) => key.trim()))];
  if (unique.length === 0 || unique.some((key) => key === "")) {
    throw new SyncError(SyncErrorCode.INVALID_REQUEST, "keys must be non-empty member keys");
  }
  if (unique.length > MAX_KEYS_PER_REQUEST) {
    throw new SyncError(SyncErrorCode.INVALID_REQUEST, `at most ${MAX_KEYS_PER_REQUEST} keys per request (got ${unique.length})`);
  }
  const long = unique.find((key) => key.length > MAX_KEY_LENGTH);
  if (long) throw new SyncError(SyncErrorCode.INVALID_REQUEST, `member keys are at most ${MAX_KEY_LENGTH} characters`);
  return unique;
}
