import type { DataSource, EntityManager } from "typeorm";
import type { AdvisoryLocks } from "../db/advisory-lock";
import { findWhereIn } from "../db/bulk-writes";
import { MemberEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { Logger } from "../observability/logger";
import type { AmsSource, MemberChange } from "../sources/ams-source";
import { SourceError } from "../sources/source.error";
import type { Clock } from "../time/clock";
import { instantMs, pollAsRun, type PollFinish, readSinceCursor } from "./cursor-poll";
import type { CursorStore } from "./cursor-store";
import type { FullLoad } from "./full-load";
import type { RefreshIntake } from "./refresh-intake";
import type { RunLedger } from "./run-ledger";
import type { SyncRunSnapshot } from "./sync-events";

export { instantMs };

/** Each listed member's newest change time (NaN when the AMS gave none that parses). */
function newestListed(page: readonly MemberChange[]): Map<string, number> {
  const listed = new Map<string, number>();
  for (const change of page) {
    const at = instantMs(change.lastUpdated);
    const seen = listed.get(change.memberKey);
    listed.set(change.memberKey, seen === undefined || Number.isNaN(seen) || at > seen ? at : seen);
  }
  return listed;
}

function datesOf(listed: Map<string, number>): Map<string, Date> {
  return new Map([...listed].filter(([, at]) => !Number.isNaN(at)).map(([key, at]) => [key, new Date(at)]));
}

function newestOnPage(page: readonly MemberChange[]): number {
  let newest = Number.NaN;
  for (const change of page) {
    const at = instantMs(change.lastUpdated);
    if (!Number.isNaN(at) && (Number.isNaN(newest) || at > newest)) newest = at;
  }
  return newest;
}

export interface ChangePollerDeps {
  source: AmsSource;
  dataSource: DataSource;
  transactions: TransactionRunner;
  locks: AdvisoryLocks;
  intake: RefreshIntake;
  ledger: RunLedger;
  cursors: CursorStore;
  clock: Clock;
  logger: Logger;
  cursorOverlapMs: number;
  /** How often the AMS is polled, by whichever process leads. */
  intervalMs: number;
  /** Writes a full load's pages straight through the writer. */
  fullLoad: FullLoad;
  /** Whether this process leads: only the leader runs a full load past the queue. */
  leads: () => Promise<boolean>;
}

/**
 * Periodic Refresh (DESIGN §4.1): asks the AMS what changed since the cursor and hands it to
 * the intake, page by page, the last page in the transaction that advances the cursor.
 */
export class ChangePoller {
  /** Until when (ms) the AMS asked not to be polled (its Retry-After on a failed poll). */
  private resumeAtMs = 0;

  constructor(private readonly deps: ChangePollerDeps) {}

  /**
   * The scheduled poll: once per interval across every process (the last poll's time is read
   * from the shared cursor, so a new leader does not poll again what the old one just did), and
   * skipped while a Retry-After from the AMS lasts. An admin's poll is neither.
   */
  async pollWhenDue(): Promise<SyncRunSnapshot | undefined> {
    const nowMs = this.deps.clock.now().getTime();
    const waitMs = this.resumeAtMs - nowMs;
    if (waitMs > 0) {
      this.deps.logger.debug({ waitMs }, "members poll skipped: the AMS asked for a pause");
      return undefined;
    }
    const last = (await this.deps.cursors.get("members"))?.lastPolledAt?.getTime();
    // A full load a crashed process left half done resumes at once.
    const resuming = (await this.deps.cursors.loadStartedAt()) !== null;
    if (!resuming && last !== undefined && nowMs - last < this.deps.intervalMs && nowMs >= last) {
      this.deps.logger.debug({ lastPolledAt: new Date(last).toISOString() }, "members poll not due yet");
      return undefined;
    }
    return this.pollMembers("PERIODIC");
  }

  /**
   * Polls once. FULL reads every member the AMS lists and re-queues every cached one too (so
   * members gone from the AMS are found). Without `waitMs`, undefined when another process is
   * polling; with it, the run queues behind that poll.
   */
  async pollMembers(
    kind: "PERIODIC" | "FULL",
    onStarted: (run: SyncRunSnapshot) => void = () => undefined,
    waitMs?: number,
  ): Promise<SyncRunSnapshot | undefined> {
    return pollAsRun(this.deps, {
      stream: "members",
      kind,
      onStarted,
      waitMs,
      discover: async (runId) => {
        const load = (await this.isLoad(kind)) ? await this.deps.fullLoad.begin() : null;
        await readSinceCursor<MemberChange[]>({
          cursors: this.deps.cursors,
          stream: "members",
          clock: this.deps.clock,
          overlapMs: this.deps.cursorOverlapMs,
          fromStart: kind === "FULL" || load !== null,
          startedAt: load?.startedAt,
          pages: (since) => this.deps.source.changedMembers(since),
          newestMs: newestOnPage,
          write: (page, finish) =>
            load ? this.deps.fullLoad.writePage(runId, kind, page ?? [], finish, load) : this.queuePage(runId, kind, page ?? [], finish),
        });
        if (load) await this.deps.fullLoad.finish(runId, kind, load);
        else if (kind === "FULL") await this.queueCachedMembers(runId);
      },
      onFailure: (error) => {
        if (error instanceof SourceError && error.retryAfterMs) this.resumeAtMs = this.deps.clock.now().getTime() + error.retryAfterMs;
      },
    });
  }

  /**
   * A full resync, a first load (no cursor yet) or a load a crashed process left: written past
   * the queue when this process leads; otherwise (an admin's resync sent to another process) queued.
   */
  private async isLoad(kind: "PERIODIC" | "FULL"): Promise<boolean> {
    const { cursors } = this.deps;
    const wanted = kind === "FULL" || !(await cursors.get("members"))?.cursor || (await cursors.loadStartedAt()) !== null;
    return wanted && (await this.deps.leads());
  }

  private async queuePage(runId: string, kind: "PERIODIC" | "FULL", page: MemberChange[], finish: PollFinish | null): Promise<void> {
    await this.deps.transactions.run(async (manager) => {
      const listedAt = newestListed(page);
      const keys = kind === "FULL" ? [...listedAt.keys()] : await this.notYetCached(manager, listedAt);
      if (page.length > 0)
        await this.deps.intake.add(manager, { reason: kind, runId, keys, discovered: page.length, listedAt: datesOf(listedAt) });
      if (finish) await this.deps.cursors.recordPoll(manager, "members", finish.cursor, finish.polledAt);
    });
    if (page.length > 0) this.deps.intake.queued();
  }

  /**
   * The changes the cache does not hold yet. Reading inclusively with an overlap lists recent
   * changes again on every poll; a member whose cached AMS change time is already this one (or
   * later) needs no refresh.
   */
  private async notYetCached(manager: EntityManager, listed: Map<string, number>): Promise<string[]> {
    if (listed.size === 0) return [];
    const cached = await findWhereIn(manager, MemberEntity, "memberKey", [...listed.keys()], ["memberKey", "sourceUpdatedAt"]);
    const current = new Map(cached.map((member) => [member.memberKey, member.sourceUpdatedAt?.getTime() ?? Number.NaN]));
    return [...listed.entries()].filter(([key, at]) => Number.isNaN(at) || !(current.get(key)! >= at)).map(([key]) => key);
  }

  /** Every cached key, a page at a time, so members the AMS no longer lists are refreshed too. */
  private queueCachedMembers(runId: string): Promise<void> {
    return this.deps.intake.submitPaged({ reason: "FULL", runId }, (after) => this.cachedKeysAfter(after), { discovered: false });
  }

  private async cachedKeysAfter(after: string): Promise<string[]> {
    const rows = await this.deps.dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder("m")
      .select("m.memberKey", "memberKey")
      .where("m.memberKey > :after", { after })
      .orderBy("m.memberKey", "ASC")
      .limit(1_000)
      .getRawMany<{ memberKey: string }>();
    return rows.map((row) => row.memberKey);
  }
}
