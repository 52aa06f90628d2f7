import type { ActivityWriteBack, MemberChange } from "../ams-source";
import type { EventRecord, MemberRecord } from "../member-record";
import type { Clock } from "../../time/clock";
import { DEMO_PASSWORD, DEMO_SSO_PREFIX } from "./demo-catalog";
import { demoEventCount, demoEventIndex, demoEventKey, generateDemoEvent } from "./demo-event.factory";
import { hash32 } from "./demo-math";
import { demoIndexOfNumber, demoMemberIndex, demoMemberKey, generateDemoMember } from "./demo-member.factory";

/**
 * Initial LastUpdated values are spread over 2020 by a hash of (seed, index): fixed, never read
 * from the wall clock, so two processes with the same seed agree, and earlier than any change the
 * simulator makes today.
 */
const BASE_UPDATED_MS = Date.UTC(2020, 0, 1);
const BASE_SPREAD_SECONDS = 365 * 86_400;
const UPDATED_AT_STREAM = 3;
const EVENT_UPDATED_AT_STREAM = 4;

export interface DemoAssociationOptions {
  seed: number;
  members: number;
  /** `today()` at construction anchors membership dates; `now()` stamps every change. */
  clock: Clock;
}

/** A member edited since generation (`record`), or removed from the AMS (`record: null`). */
interface MemberOverride {
  record: MemberRecord | null;
  updatedAtMs: number;
}

/**
 * The simulated association: `members` members and their events, each generated on demand from
 * the seed, plus the few edits made since (the only state it holds, so memory stays flat for
 * any member count).
 */
export class DemoAssociation {
  readonly seed: number;
  readonly size: number;
  readonly eventCount: number;
  /** The day membership dates are relative to. */
  readonly today: string;
  private readonly overrides = new Map<number, MemberOverride>();
  private readonly activities = new Map<string, ActivityWriteBack>();
  private generatedCount = 0;

  constructor(private readonly options: DemoAssociationOptions) {
    this.seed = options.seed;
    this.size = options.members;
    this.eventCount = demoEventCount(options.members);
    this.today = options.clock.today();
  }

  /** How many member records were generated so far; lets tests prove a listing generated none. */
  get generatedRecords(): number {
    return this.generatedCount;
  }

  /** The clock's day now, which edits are dated by (the generated dates stay anchored at `today`). */
  currentDay(): string {
    return this.options.clock.today();
  }

  keyAt(index: number): string {
    return demoMemberKey(index);
  }

  /** The current record, or undefined when the key is unknown or the member was removed. */
  member(memberKey: string): MemberRecord | undefined {
    const index = this.indexOf(memberKey);
    if (index === undefined) return undefined;
    const override = this.overrides.get(index);
    if (override) return override.record === null ? undefined : structuredClone(override.record);
    this.generatedCount += 1;
    const record = generateDemoMember(this.seed, index, this.today);
    return { ...record, sourceUpdatedAt: new Date(this.baseUpdatedMs(index)) };
  }

  /** The member's last change (or removal) time; undefined for an unknown key. */
  lastUpdated(memberKey: string): Date | undefined {
    const index = this.indexOf(memberKey);
    return index === undefined ? undefined : new Date(this.updatedMs(index));
  }

  isRemoved(memberKey: string): boolean {
    const index = this.indexOf(memberKey);
    return index !== undefined && this.overrides.get(index)?.record === null;
  }

  /**
   * Every member changed at or after `since` (all when null), in key order, starting after
   * `afterKey`. Removed members stay listed with their removal time, so a poller learns of the
   * removal and `/members` then reports them missing. Generates no records.
   */
  *changes(since: Date | null, afterKey: string | null = null): Generator<MemberChange> {
    const sinceMs = since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const start = afterKey === null ? 0 : (this.indexOf(afterKey) ?? -1) + 1;
    for (let index = start; index < this.size; index += 1) {
      const updatedMs = this.updatedMs(index);
      if (updatedMs >= sinceMs) yield { memberKey: demoMemberKey(index), lastUpdated: new Date(updatedMs).toISOString() };
    }
  }

  /** Applies an edit as the AMS would: the record changes and its LastUpdated becomes now. */
  update(memberKey: string, edit: (record: MemberRecord) => MemberRecord): MemberRecord {
    const current = this.member(memberKey);
    if (current === undefined) throw new Error(`demo member ${memberKey} does not exist`);
    const updatedAtMs = this.options.clock.now().getTime();
    const record = { ...edit(current), memberKey, sourceUpdatedAt: new Date(updatedAtMs) };
    this.overrides.set(this.indexOf(memberKey)!, { record, updatedAtMs });
    return structuredClone(record);
  }

  /** Removes the member from the AMS entirely (not merely inactive). */
  remove(memberKey: string): void {
    const index = this.indexOf(memberKey);
    if (index === undefined) throw new Error(`demo member ${memberKey} does not exist`);
    this.overrides.set(index, { record: null, updatedAtMs: this.options.clock.now().getTime() });
  }

  /**
   * Demo sign-in: a member's e-mail (any case) with the shared password `demo-password` yields
   * their key. Not security: it is a demo AMS, and every demo member has the same password.
   */
  authenticate(username: string, password: string): string | undefined {
    if (password !== DEMO_PASSWORD) return undefined;
    const email = username.trim().toLowerCase();
    for (const [index, override] of this.overrides) {
      if (override.record?.email?.toLowerCase() === email) return demoMemberKey(index);
    }
    // Demo e-mail addresses carry the member number before the "@", so one record is generated, not all.
    const number = /(\d+)@/.exec(email)?.[1];
    if (number === undefined) return undefined;
    const index = demoIndexOfNumber(Number(number));
    if (index < 0 || index >= this.size || this.overrides.has(index)) return undefined;
    const record = this.member(demoMemberKey(index));
    return record?.email?.toLowerCase() === email ? record.memberKey : undefined;
  }

  /** Demo SSO: `demo-sso:<memberKey>` for a member who exists and is active. */
  resolveSsoToken(token: string): string | undefined {
    if (!token.startsWith(DEMO_SSO_PREFIX)) return undefined;
    const record = this.member(token.slice(DEMO_SSO_PREFIX.length));
    return record?.isActive ? record.memberKey : undefined;
  }

  /** Events changed at or after `since`, in key order, starting after `afterKey`. */
  *events(since: Date | null, afterKey: string | null = null): Generator<EventRecord> {
    const sinceMs = since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const start = afterKey === null ? 0 : (demoEventIndex(afterKey) ?? -1) + 1;
    for (let index = start; index < this.eventCount; index += 1) {
      const updatedMs = BASE_UPDATED_MS + (hash32(this.seed, EVENT_UPDATED_AT_STREAM, index) % BASE_SPREAD_SECONDS) * 1000;
      if (updatedMs < sinceMs) continue;
      yield { ...generateDemoEvent(this.seed, index, this.today), eventKey: demoEventKey(index), sourceUpdatedAt: new Date(updatedMs) };
    }
  }

  /** Records a learning activity once per idempotency key; true when it was new. */
  recordActivity(activity: ActivityWriteBack): boolean {
    if (this.activities.has(activity.idempotencyKey)) return false;
    this.activities.set(activity.idempotencyKey, { ...activity });
    return true;
  }

  recordedActivities(): ActivityWriteBack[] {
    return [...this.activities.values()];
  }

  private indexOf(memberKey: string): number | undefined {
    const index = demoMemberIndex(memberKey);
    return index !== undefined && index >= 0 && index < this.size ? index : undefined;
  }

  private baseUpdatedMs(index: number): number {
    return BASE_UPDATED_MS + (hash32(this.seed, UPDATED_AT_STREAM, index) % BASE_SPREAD_SECONDS) * 1000;
  }

  private updatedMs(index: number): number {
    return this.overrides.get(index)?.updatedAtMs ?? this.baseUpdatedMs(index);
  }
}
