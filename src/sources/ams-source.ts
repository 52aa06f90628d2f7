import type { EventRecord, MemberRecord } from "./member-record";
import type { SourceError } from "./source.error";

/** One member the AMS says changed, with the AMS's own change time (ISO-8601, as it sent it). */
export interface MemberChange {
  memberKey: string;
  lastUpdated: string;
}

/** What a batch fetch returned, record by record; one bad record never sinks the others. */
export interface FetchedMembers {
  members: MemberRecord[];
  /** Keys the AMS says no longer exist: the member is gone (becomes DISABLED, never deleted). */
  missing: string[];
  /** Keys whose record came back malformed (or not at all), each with why. */
  invalid: Array<{ memberKey: string; error: SourceError }>;
}

/** An event the AMS reported as changed, or a record that could not be read. */
export interface ChangedEventsPage {
  events: EventRecord[];
  invalid: Array<{ eventKey: string | null; error: SourceError }>;
  /** The newest `LastUpdated` on this page (ISO-8601), for the events cursor. */
  newestUpdate: string | null;
}

/** Credentials a member typed at sign-in; never stored or logged. */
export interface Credentials {
  username: string;
  password: string;
}

/** A learning-system completion written back to the AMS. */
export interface ActivityWriteBack {
  memberKey: string;
  activityKey: string;
  title: string;
  completedAt: Date;
  credits: number | null;
  /** What the credits are (e.g. CEU, CPE), when the LMS says. */
  creditType?: string | null;
  /** The AMS must keep one activity per key: a crash mid-send sends it again under the same key. */
  idempotencyKey: string;
}

/**
 * One AMS, in the canonical shape (DESIGN §1, §3). A source knows nothing of the database or
 * GraphQL; it throws {@link SourceError} and nothing else.
 */
export interface AmsSource {
  /** Short name for logs and the sync status, e.g. "demo" or "rest". */
  readonly name: string;
  /** The most keys `fetchMembers` takes at once. */
  readonly maxBatchSize: number;

  /**
   * Every member whose record changed at or after `since` (inclusive), page by page so a full
   * load never sits in memory. `since: null` means everyone: the initial full load.
   */
  changedMembers(since: Date | null): AsyncIterable<MemberChange[]>;

  /** Full records for up to `maxBatchSize` keys. */
  fetchMembers(keys: readonly string[]): Promise<FetchedMembers>;

  /** Events changed at or after `since` (inclusive), page by page; `null` means all. */
  changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage>;

  /** The member key for a username and password, where the AMS supports it. */
  authenticate?(credentials: Credentials): Promise<string>;

  /** The member key for an AMS single sign-on token, where the AMS supports it. */
  resolveSsoToken?(token: string): Promise<string>;

  /**
   * Records a learning activity in the AMS, where it supports it. Sent again under the same
   * idempotency key after a crash or a timeout, so the AMS side must de-duplicate by it.
   */
  writeBack?(activity: ActivityWriteBack): Promise<void>;

  /** Stops background work (timers, sockets). */
  close?(): Promise<void>;
}
