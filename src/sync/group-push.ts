import type { EntityManager } from "typeorm";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  MemberEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../db/entities";
import { findWhereIn } from "../db/bulk-writes";
import type { CommunityMembershipRecord, MemberRecord, SecurityGroupMembershipRecord } from "../sources/member-record";
import { readCachedRecords } from "./cached-records";
import { MEMBER_TYPE_GROUP_TYPE, type SyncRuleBook } from "./sync-rules";

export type GroupKind = "Community" | "SecurityGroup";
export type GroupMode = "Replace" | "Add" | "Remove";

/** One member a group push names, with the term it gives (null: keep what the cache holds). */
export interface GroupMemberTerm {
  memberKey: string;
  role: string | null;
  sinceDate: string | null;
  beginDate: string | null;
  endDate: string | null;
}

/** One pushed AMS group: a Community or a SecurityGroup, and who is (or is no longer) in it. */
export interface GroupPush {
  kind: GroupKind;
  groupKey: string;
  name: string;
  /** Communities: the community type and sub-type (Chapter, Committee, …); groups: the AMS group type. */
  type: string | null;
  subType: string | null;
  parentKey: string | null;
  mode: GroupMode;
  members: GroupMemberTerm[];
}

/** How one pushed group went: applied (with the keys the cache does not know), or refused. */
export type GroupOutcome = { groupKey: string; skipped: string[] } | { groupKey: string; error: string };

/**
 * Turns group pushes into whole member records: every affected member's cached record with its
 * community or security-group list recomputed, ready for the member writer, so a group push has
 * the same replace-set, hash, derived status and change events as a refresh. Reads happen in
 * the caller's transaction; on MySQL the affected members' rows are locked first (in key order),
 * so a concurrent push cannot lose this one's change.
 */
export async function planGroupPushes(
  manager: EntityManager,
  rules: SyncRuleBook,
  pushes: readonly GroupPush[],
): Promise<{ outcomes: GroupOutcome[]; records: MemberRecord[]; applied: GroupPush[] }> {
  const keys = [...new Set(pushes.map((push) => push.groupKey))];
  const communities = new Map((await findWhereIn(manager, CommunityEntity, "communityKey", keys)).map((row) => [row.communityKey, row]));
  const groups = new Map((await findWhereIn(manager, SecurityGroupEntity, "groupKey", keys)).map((row) => [row.groupKey, row]));
  const kindOf = new Map<string, GroupKind>();
  for (const key of keys) {
    if (communities.has(key) && !groups.has(key)) kindOf.set(key, "Community");
    if (groups.has(key) && !communities.has(key)) kindOf.set(key, "SecurityGroup");
  }
  const outcomes: GroupOutcome[] = [];
  const applied: GroupPush[] = [];
  for (const given of pushes) {
    const push = withCachedTypes(given, communities.get(given.groupKey), groups.get(given.groupKey));
    const refusal = refuse(push, kindOf.get(push.groupKey), groups.get(push.groupKey), rules);
    if (refusal) {
      outcomes.push({ groupKey: push.groupKey, error: refusal });
      continue;
    }
    kindOf.set(push.groupKey, push.kind);
    applied.push(push);
  }
  const named = [...new Set(applied.flatMap((push) => push.members.map((member) => member.memberKey)))];
  const replaced = applied.filter((push) => push.mode === "Replace");
  const current = await currentMembers(manager, replaced);
  const affected = [...new Set([...named, ...current])].sort();
  await lockMembers(manager, affected);
  const known = new Set((await findWhereIn(manager, MemberEntity, "memberKey", affected)).map((row) => row.memberKey));
  const records = await readCachedRecords(manager, [...known]);
  const touched = new Set<string>();
  for (const push of applied) {
    const skipped = [...new Set(push.members.map((member) => member.memberKey).filter((key) => !known.has(key)))];
    const terms = new Map(push.members.filter((member) => known.has(member.memberKey)).map((member) => [member.memberKey, member]));
    for (const record of records.values()) {
      if (apply(record, push, terms)) touched.add(record.memberKey);
    }
    outcomes.push({ groupKey: push.groupKey, skipped });
  }
  return { outcomes: orderLike(pushes, outcomes), records: [...touched].map((key) => records.get(key)!), applied };
}

/** A group pushed without its type (or sub-type, or parent) keeps what the cache holds. */
function withCachedTypes(push: GroupPush, community: CommunityEntity | undefined, group: SecurityGroupEntity | undefined): GroupPush {
  if (push.kind === "SecurityGroup") return { ...push, type: push.type ?? group?.amsType ?? "Security" };
  if (push.type !== null || !community) return push;
  return { ...push, type: community.type, subType: push.subType ?? community.subType, parentKey: push.parentKey ?? community.parentKey };
}

function refuse(push: GroupPush, kind: GroupKind | undefined, group: SecurityGroupEntity | undefined, rules: SyncRuleBook): string | null {
  if (kind !== undefined && kind !== push.kind) {
    return `group "${push.groupKey}" is a ${kind}; a group's type is fixed once created, so it cannot become a ${push.kind}`;
  }
  if (push.kind === "SecurityGroup" && group && (group.kind !== "AMS" || group.amsType === MEMBER_TYPE_GROUP_TYPE)) {
    return `security group "${push.groupKey}" is derived by amsgate (a system or member-type group) and cannot be pushed`;
  }
  if (push.kind === "Community" && !rules.communityKept(push.type, push.subType)) {
    return `community type "${push.type ?? ""}"${push.subType ? ` / "${push.subType}"` : ""} is not kept by the community allow-list`;
  }
  return null;
}

/** Outcomes in the order the pushes came, each push once. */
function orderLike(pushes: readonly GroupPush[], outcomes: GroupOutcome[]): GroupOutcome[] {
  const queue = [...outcomes];
  return pushes.map((push) => {
    const at = queue.findIndex((outcome) => outcome.groupKey === push.groupKey);
    return queue.splice(at, 1)[0]!;
  });
}

async function currentMembers(manager: EntityManager, replaced: GroupPush[]): Promise<string[]> {
  const communityKeys = replaced.filter((push) => push.kind === "Community").map((push) => push.groupKey);
  const groupKeys = replaced.filter((push) => push.kind === "SecurityGroup").map((push) => push.groupKey);
  const rows = [
    ...(await findWhereIn(manager, CommunityMembershipEntity, "communityKey", communityKeys)),
    ...(await findWhereIn(manager, SecurityGroupMembershipEntity, "groupKey", groupKeys)),
  ];
  return rows.map((row) => row.memberKey);
}

async function lockMembers(manager: EntityManager, keys: string[]): Promise<void> {
  if (keys.length === 0 || manager.connection.options.type !== "mysql") return;
  await manager
    .createQueryBuilder(MemberEntity, "m")
    .select("m.memberKey")
    .where("m.memberKey IN (:...keys)", { keys })
    .orderBy("m.memberKey")
    .setLock("pessimistic_write")
    .getRawMany();
}

/** Applies one push to one record; true when its list changed. */
function apply(record: MemberRecord, push: GroupPush, terms: Map<string, GroupMemberTerm>): boolean {
  const before = JSON.stringify([record.communities, record.securityGroups]);
  const named = terms.get(record.memberKey);
  if (push.kind === "Community") {
    record.communities = nextList(
      record.communities,
      (row) => row.communityKey === push.groupKey,
      push.mode,
      named,
      (old) => ({
        communityKey: push.groupKey,
        name: push.name,
        type: push.type,
        subType: push.subType,
        parentKey: push.parentKey,
        role: named?.role ?? old?.role ?? null,
        sinceDate: named?.sinceDate ?? old?.sinceDate ?? null,
        beginDate: named?.beginDate ?? old?.beginDate ?? null,
        endDate: named?.endDate ?? old?.endDate ?? null,
      }),
    );
  } else {
    record.securityGroups = nextList(
      record.securityGroups,
      (row) => row.groupKey === push.groupKey,
      push.mode,
      named,
      (old) => ({
        groupKey: push.groupKey,
        name: push.name,
        type: push.type,
        role: named?.role ?? old?.role ?? null,
        beginDate: named?.beginDate ?? old?.beginDate ?? null,
        endDate: named?.endDate ?? old?.endDate ?? null,
      }),
    );
  }
  return JSON.stringify([record.communities, record.securityGroups]) !== before;
}

/**
 * The member's list after the push: Remove drops the group for named members; Replace drops it
 * for members not named; Add and Replace keep (or add) it for named members, with the group's
 * new name and any term the push gives updated in place.
 */
function nextList<T extends CommunityMembershipRecord | SecurityGroupMembershipRecord>(
  list: T[],
  isGroup: (row: T) => boolean,
  mode: GroupMode,
  named: GroupMemberTerm | undefined,
  build: (old: T | undefined) => T,
): T[] {
  const drop = () => list.filter((row) => !isGroup(row));
  if (mode === "Remove") return named ? drop() : list;
  if (!named) return mode === "Replace" ? drop() : list;
  const old = list.find(isGroup);
  if (!old) return [...list, build(undefined)];
  // Several terms in one group: the named term replaces the first; the others keep their own.
  return list.map((row) => (!isGroup(row) ? row : row === old ? build(row) : { ...build(row), ...termOf(row) }));
}

function termOf<T extends object>(row: T): Partial<T> {
  const term: Record<string, unknown> = {};
  for (const field of ["role", "sinceDate", "beginDate", "endDate"])
    if (field in row) term[field] = (row as Record<string, unknown>)[field];
  return term as Partial<T>;
}
