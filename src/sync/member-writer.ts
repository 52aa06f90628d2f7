import type { EntityManager } from "typeorm";
import { findWhereIn, insertMany, updateWhereIn } from "../db/bulk-writes";
import { type CommunityMembershipEntity, MemberEntity, SecurityGroupMembershipEntity } from "../db/entities";
import type { MemberRecord } from "../sources/member-record";
import type { Clock } from "../time/clock";
import { type Derived, deriveStatus, SYSTEM_POSITION_BASE } from "./derive-status";
import { changedFields, diffMemberships, type MemberChangeEvent } from "./member-change";
import { type MemberContent, type MemberRows, ROW_FIELDS, toMemberRows } from "./member-rows";
import { listHash, listText } from "./row-fingerprint";
import { type ChildLists, concatLists, dirtyLists, planLists, readChangedRows, replaceChildLists } from "./child-lists";
import { type GroupOutcome, type GroupPush, planGroupPushes } from "./group-push";
import { ReferenceCache, syncCommunities, syncGroups } from "./reference-writes";
import type { SyncRuleBook } from "./sync-rules";

export type WriteOutcome = "refreshed" | "unchanged";

export interface WriteResult {
  outcomes: Map<string, WriteOutcome>;
  changes: MemberChangeEvent[];
}

/** Columns a refresh overwrites: the AMS's (as hashed), then the derived ones; `createdAt` is kept from the first write. */
const MEMBER_UPDATE_COLUMNS: Array<keyof MemberEntity & string> = [
  ...ROW_FIELDS.content.filter((field) => field !== "memberKey" && field !== "sourceUpdatedAt"),
  "isMember",
  "status",
  "nextTransitionOn",
  "contentHash",
  "listHashes",
  "sourceUpdatedAt",
  "lastRefreshedAt",
  "changedAt",
];

/** Fields a `memberChanged` event can name. */
const REPORTED_FIELDS = MEMBER_UPDATE_COLUMNS.filter(
  (field) => !["contentHash", "listHashes", "sourceUpdatedAt", "lastRefreshedAt", "changedAt", "nextTransitionOn"].includes(field),
);

interface Planned {
  rows: MemberRows;
  derived: Derived;
  before: MemberEntity | undefined;
}

/**
 * Writes fetched member records into the cache inside the caller's transaction (DESIGN §4.3):
 * upsert details, replace-set every child list, create communities and groups on first sight,
 * derive status; records whose content hash and derivation are unchanged cost one shared
 * UPDATE of `lastRefreshedAt`. Every statement covers the whole batch, never one row.
 */
export class MemberWriter {
  private readonly references = new ReferenceCache();
  /** Rows {@link prepareReferences} mapped, taken (once) by the {@link write} that follows it. */
  private readonly prepared = new WeakMap<MemberRecord, MemberRows>();

  constructor(
    private readonly rules: SyncRuleBook,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates (or renames) the communities and security groups `records` name, through `manager`
   * outside the batch's transaction, so they are committed before it starts. Inside it, the
   * first sight of a community holds its new row's lock until commit, and a second batch written
   * at once that names it waits for the whole first transaction (seen in full-load traces: 100 to
   * 290 ms, its first two batches one after the other; the full-load rate did not move measurably,
   * CPU held the second batch up as much). The `write` of the same
   * record objects that follows reuses the rows mapped here and finds the references current.
   */
  async prepareReferences(manager: EntityManager, records: readonly MemberRecord[]): Promise<void> {
    const now = this.clock.now();
    const mapped = records.map((record) => {
      const rows = toMemberRows(record, this.rules);
      this.prepared.set(record, rows);
      return rows;
    });
    await syncCommunities(
      manager,
      concatLists(mapped, (rows) => rows.communities),
      now,
      this.references,
    );
    await syncGroups(
      manager,
      concatLists(mapped, (rows) => rows.groups),
      now,
      this.references,
    );
  }

  /**
   * `goneListedAt`: the AMS change time a poll listed for a gone member; recorded on it, so the
   * poll's overlap window does not queue the same removal again and again.
   */
  async write(
    manager: EntityManager,
    records: MemberRecord[],
    gone: string[],
    goneListedAt: ReadonlyMap<string, Date> = new Map(),
  ): Promise<WriteResult> {
    const now = this.clock.now();
    const today = this.clock.today();
    const keys = [...records.map((record) => record.memberKey), ...gone];
    const existing = new Map((await findWhereIn(manager, MemberEntity, "memberKey", keys)).map((row) => [row.memberKey, row]));
    const outcomes = new Map<string, WriteOutcome>();
    const changed: Planned[] = [];
    const unchanged: string[] = [];
    for (const record of records) {
      // Taken once: the write completes the rows in place (see writeChanged).
      const rows = this.prepared.get(record) ?? toMemberRows(record, this.rules);
      this.prepared.delete(record);
      const derived = this.derive(rows, record, today);
      const before = existing.get(record.memberKey);
      if (before && before.contentHash === rows.hash && sameDerivation(before, derived)) unchanged.push(record.memberKey);
      else changed.push({ rows, derived, before });
    }

    const changes: MemberChangeEvent[] = [];
    if (changed.length > 0) changes.push(...(await this.writeChanged(manager, changed, now)).filter(worthTelling));
    if (unchanged.length > 0) {
      await updateWhereIn(manager, MemberEntity, "memberKey", unchanged, { lastRefreshedAt: now });
    }
    const disabled = await this.disableGone(manager, gone, existing, now);
    changes.push(...disabled);
    await this.recordRemovalTimes(manager, gone, existing, goneListedAt);
    for (const key of unchanged) outcomes.set(key, "unchanged");
    for (const planned of changed) outcomes.set(planned.rows.content.memberKey, "refreshed");
    // Gone and never cached, or already disabled: nothing changed.
    const newlyDisabled = new Set(disabled.map((change) => change.memberKey));
    for (const key of gone) outcomes.set(key, newlyDisabled.has(key) ? "refreshed" : "unchanged");
    return { outcomes, changes };
  }

  /**
   * Applies pushed AMS groups inside the caller's transaction: each group row is created or
   * renamed (its key is its link, so memberships stay), then every affected member's record,
   * with its list recomputed, goes through {@link write} like a refresh.
   */
  async writeGroupPushes(manager: EntityManager, pushes: readonly GroupPush[]): Promise<{ outcomes: GroupOutcome[]; result: WriteResult }> {
    const plan = await planGroupPushes(manager, this.rules, pushes);
    const now = this.clock.now();
    const communities = plan.applied.filter((push) => push.kind === "Community");
    const groups = plan.applied.filter((push) => push.kind === "SecurityGroup");
    await syncCommunities(
      manager,
      communities.map((push) => ({
        communityKey: push.groupKey,
        name: push.name,
        type: push.type,
        subType: push.subType,
        parentKey: push.parentKey,
      })),
      now,
      this.references,
    );
    await syncGroups(
      manager,
      groups.map((push) => ({
        groupKey: push.groupKey,
        name: push.name,
        amsType: push.type,
        ...this.rules.flagsFor({ key: push.groupKey, name: push.name }),
      })),
      now,
      this.references,
    );
    const result = plan.records.length > 0 ? await this.write(manager, plan.records, []) : { outcomes: new Map(), changes: [] };
    return { outcomes: plan.outcomes, result };
  }

  private async recordRemovalTimes(
    manager: EntityManager,
    gone: string[],
    existing: Map<string, MemberEntity>,
    listedAt: ReadonlyMap<string, Date>,
  ): Promise<void> {
    for (const key of gone) {
      const at = listedAt.get(key);
      const cached = existing.get(key)?.sourceUpdatedAt;
      if (!at || !existing.has(key) || (cached && cached >= at)) continue;
      await updateWhereIn(manager, MemberEntity, "memberKey", [key], { sourceUpdatedAt: at });
    }
  }

  private derive(rows: MemberRows, record: MemberRecord, today: string): Derived {
    const flags = new Map(rows.groups.map((group) => [group.groupKey, group]));
    return deriveStatus({
      isActive: record.isActive,
      gone: false,
      allowed: this.rules.memberTypeAllowed(record.memberType),
      today,
      terms: rows.groupMemberships.map((membership) => ({
        beginDate: membership.beginDate,
        endDate: membership.endDate,
        ...flags.get(membership.groupKey)!,
      })),
    });
  }

  private async writeChanged(manager: EntityManager, changed: Planned[], now: Date): Promise<MemberChangeEvent[]> {
    const plans = changed.map(({ rows, derived, before }) =>
      planLists(
        rows.content.memberKey,
        before !== undefined,
        before?.listHashes ?? "",
        childListsOf(rows, derived),
        listHashesOf(rows, derived),
      ),
    );
    const dirty = dirtyLists(plans);
    // Only what changed is read back, and only to say what was removed.
    const oldCommunities = await readChangedRows(manager, dirty, "communities");
    const oldGroups = await readChangedRows(manager, dirty, "groups");

    await syncCommunities(
      manager,
      concatLists(changed, (planned) => planned.rows.communities),
      now,
      this.references,
    );
    await syncGroups(
      manager,
      concatLists(changed, (planned) => planned.rows.groups),
      now,
      this.references,
    );

    // Completed in place, not copied: the content is this write's own (toMemberRows made it,
    // and hashed it before), and a copy of every column of every member was a measured 3% of a
    // full load's CPU.
    const memberRows = changed.map(({ rows, derived, before }, index) => {
      const row = rows.content as MemberContent & Omit<MemberEntity, keyof MemberContent>;
      row.isMember = derived.isMember;
      row.status = derived.status;
      row.nextTransitionOn = derived.nextTransitionOn;
      row.contentHash = rows.hash;
      row.listHashes = plans[index]!.newHashes;
      row.lastRefreshedAt = now;
      row.changedAt = now;
      row.createdAt = before?.createdAt ?? now;
      return row;
    });
    await insertMany(manager, MemberEntity, memberRows, { update: MEMBER_UPDATE_COLUMNS, keys: ["memberKey"] });
    await replaceChildLists(manager, dirty);

    const changedList = (name: "communities" | "groups") => new Set(dirty.get(name)!.map((entry) => entry.plan.memberKey));
    const communitiesChanged = changedList("communities");
    const groupsChanged = changedList("groups");
    return changed.map(({ rows, before }, index) => {
      const key = rows.content.memberKey;
      const after = memberRows[index]!;
      const lists = plans[index]!.lists;
      const communities = communitiesChanged.has(key)
        ? diffMemberships(
            (oldCommunities.get(key) ?? []) as CommunityMembershipEntity[],
            lists.communities as CommunityMembershipEntity[],
            (row) => row.communityKey,
          )
        : { added: [], removed: [], changed: [] };
      const groups = groupsChanged.has(key)
        ? diffMemberships(
            (oldGroups.get(key) ?? []) as SecurityGroupMembershipEntity[],
            lists.groups as SecurityGroupMembershipEntity[],
            (row) => row.groupKey,
          )
        : { added: [], removed: [], changed: [] };
      return {
        memberKey: key,
        kind: before ? "UPDATED" : "CREATED",
        changedFields: before
          ? changedFields(before as unknown as Record<string, unknown>, after, REPORTED_FIELDS)
          : REPORTED_FIELDS.filter((field) => after[field as keyof typeof after] !== null && after[field as keyof typeof after] !== ""),
        communitiesAdded: communities.added,
        communitiesRemoved: communities.removed,
        communitiesChanged: communities.changed,
        securityGroupsAdded: groups.added,
        securityGroupsRemoved: groups.removed,
        securityGroupsChanged: groups.changed,
        at: now.toISOString(),
      } satisfies MemberChangeEvent;
    });
  }

  /** Gone from the AMS: never deleted, DISABLED, with derived group memberships withdrawn. */
  private async disableGone(
    manager: EntityManager,
    gone: string[],
    existing: Map<string, MemberEntity>,
    now: Date,
  ): Promise<MemberChangeEvent[]> {
    const toDisable = gone.filter((key) => existing.get(key) && existing.get(key)!.status !== "DISABLED");
    if (toDisable.length === 0) return [];
    const systemRows = await manager
      .createQueryBuilder(SecurityGroupMembershipEntity, "sgm")
      .where("sgm.memberKey IN (:...keys) AND sgm.position >= :base", { keys: toDisable, base: SYSTEM_POSITION_BASE })
      .getMany();
    await manager
      .createQueryBuilder()
      .delete()
      .from(SecurityGroupMembershipEntity)
      .where("memberKey IN (:...keys) AND position >= :base", { keys: toDisable, base: SYSTEM_POSITION_BASE })
      .execute();
    // An empty hash makes the member's return to the AMS a full rewrite.
    // Inactive, so the expiry sweep, which sees only the cache, keeps deriving DISABLED.
    await updateWhereIn(manager, MemberEntity, "memberKey", toDisable, {
      status: "DISABLED",
      isActive: false,
      isMember: false,
      contentHash: "",
      listHashes: "",
      changedAt: now,
      lastRefreshedAt: now,
    });
    return toDisable.map((key) => ({
      memberKey: key,
      kind: "DISABLED" as const,
      changedFields: ["isActive", "status", ...(existing.get(key)!.isMember ? ["isMember"] : [])],
      communitiesAdded: [],
      communitiesRemoved: [],
      communitiesChanged: [],
      securityGroupsAdded: [],
      securityGroupsChanged: [],
      securityGroupsRemoved: systemRows.filter((row) => row.memberKey === key).map((row) => ({ key: row.groupKey, role: row.role })),
      at: now.toISOString(),
    }));
  }
}

/** A new AMS change time alone (same content) is rewritten but not announced. */
function worthTelling(change: MemberChangeEvent): boolean {
  return (
    change.kind !== "UPDATED" ||
    change.changedFields.length > 0 ||
    change.communitiesAdded.length + change.communitiesRemoved.length + change.communitiesChanged.length > 0 ||
    change.securityGroupsAdded.length + change.securityGroupsRemoved.length + change.securityGroupsChanged.length > 0
  );
}

function sameDerivation(before: MemberEntity, derived: Derived): boolean {
  return (
    before.isMember === derived.isMember &&
    before.status === derived.status &&
    (before.nextTransitionOn ?? null) === derived.nextTransitionOn
  );
}

function childListsOf(rows: MemberRows, derived: Derived): ChildLists {
  return {
    phones: rows.phones,
    socialLinks: rows.socialLinks,
    demographics: rows.demographics,
    education: rows.education,
    jobHistory: rows.jobHistory,
    communities: rows.communityMemberships,
    groups: [...rows.groupMemberships, ...systemMemberships(rows.content.memberKey, derived)],
    purchases: rows.purchases,
  };
}

/** The lists' hashes from the content hash's, the groups' taken again with their derived system memberships appended. */
export function listHashesOf(rows: MemberRows, derived: Derived): Record<keyof ChildLists, string> {
  const { listHashes } = rows;
  // Rows have a fixed arity, so the joined text is the joined list's.
  const groups =
    derived.systemGroups.length === 0
      ? listHashes.groupMemberships
      : listHash(rows.groupsText + listText(systemMemberships(rows.content.memberKey, derived), ROW_FIELDS.groupMemberships));
  return {
    phones: listHashes.phones,
    socialLinks: listHashes.socialLinks,
    demographics: listHashes.demographics,
    education: listHashes.education,
    jobHistory: listHashes.jobHistory,
    communities: listHashes.communityMemberships,
    groups,
    purchases: listHashes.purchases,
  };
}

/** The derived system memberships, at reserved positions so the sweep can rewrite them alone. */
export function systemMemberships(memberKey: string, derived: Derived) {
  return derived.systemGroups.map((groupKey, index) => ({
    memberKey,
    position: SYSTEM_POSITION_BASE + index,
    groupKey,
    role: null,
    beginDate: null,
    endDate: null,
    grantedBy: null,
  }));
}

export type { MemberContent };
