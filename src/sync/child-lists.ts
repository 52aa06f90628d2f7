import type { EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import { deleteWhereIn, findWhereIn, insertMany } from "../db/bulk-writes";
import {
  CommunityMembershipEntity,
  MemberDemographicEntity,
  MemberEducationEntity,
  MemberJobEntity,
  MemberPhoneEntity,
  MemberPurchaseEntity,
  MemberSocialLinkEntity,
  SecurityGroupMembershipEntity,
} from "../db/entities";
import { EMPTY_LIST_HASH as EMPTY } from "./row-fingerprint";

/** A member's child rows, table by table, as they are to be written. */
export interface ChildLists {
  phones: ObjectLiteral[];
  socialLinks: ObjectLiteral[];
  demographics: ObjectLiteral[];
  communities: ObjectLiteral[];
  groups: ObjectLiteral[];
  education: ObjectLiteral[];
  jobHistory: ObjectLiteral[];
  purchases: ObjectLiteral[];
}

export type ListName = keyof ChildLists;

/**
 * The lists `pick` gives for each of `items`, one after the other. `Array.prototype.flatMap`
 * took about 200 µs for a batch's 500 members (a loop, 7–12), a dozen times a batch.
 */
export function concatLists<T, R>(items: readonly T[], pick: (item: T) => readonly R[]): R[] {
  const out: R[] = [];
  for (const item of items) {
    const list = pick(item);
    for (let index = 0; index < list.length; index += 1) out.push(list[index]!);
  }
  return out;
}

/** Each list, its table, and the one-letter label its hash is stored under. */
const TABLES: Array<[ListName, EntityTarget<ObjectLiteral>, string]> = [
  ["phones", MemberPhoneEntity, "p"],
  ["socialLinks", MemberSocialLinkEntity, "s"],
  ["demographics", MemberDemographicEntity, "d"],
  ["communities", CommunityMembershipEntity, "c"],
  ["groups", SecurityGroupMembershipEntity, "g"],
  ["education", MemberEducationEntity, "e"],
  ["jobHistory", MemberJobEntity, "j"],
  ["purchases", MemberPurchaseEntity, "u"],
];

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .split(";")
      .filter((part) => part.includes("="))
      .map((part) => part.split("=") as [string, string]),
  );
}

export interface ListPlan {
  memberKey: string;
  /** Already in the cache (its rows may need deleting first). */
  existing: boolean;
  /** The hashes stored with the cached member ("" when unknown: everything is rewritten). */
  storedHashes: string;
  lists: ChildLists;
  /** Each list's hash, by label, computed once. */
  hashes: Map<string, string>;
  /** `hashes` as stored on the member row once written. */
  newHashes: string;
}

/**
 * One short hash per list, kept on the member row (`list_hashes`): a refresh compares them to
 * learn which lists changed without reading any child row.
 */
export function planLists(
  memberKey: string,
  existing: boolean,
  storedHashes: string,
  lists: ChildLists,
  /** Each list's hash (row-fingerprint's `listHash`). */
  listHashes: Record<ListName, string>,
): ListPlan {
  const hashes = new Map(TABLES.map(([name, , label]) => [label, listHashes[name]]));
  const newHashes = [...hashes].map(([label, hash]) => `${label}=${hash}`).join(";");
  return { memberKey, existing, storedHashes, lists, hashes, newHashes };
}

/** Per table, the members whose list changed, and whether they had rows there before. */
export type DirtyLists = Map<ListName, Array<{ plan: ListPlan; hadRows: boolean }>>;

export function dirtyLists(plans: ListPlan[]): DirtyLists {
  const dirty: DirtyLists = new Map(TABLES.map(([name]) => [name, []]));
  for (const plan of plans) {
    const stored = parse(plan.storedHashes);
    for (const [name, , label] of TABLES) {
      const before = plan.existing ? stored.get(label) : EMPTY;
      if (before === plan.hashes.get(label)) continue;
      dirty.get(name)!.push({ plan, hadRows: plan.existing && before !== EMPTY });
    }
  }
  return dirty;
}

/** The cached rows of the members whose `name` list changed (to tell what was removed). */
export async function readChangedRows(manager: EntityManager, dirty: DirtyLists, name: ListName): Promise<Map<string, ObjectLiteral[]>> {
  const keys = dirty
    .get(name)!
    .filter((entry) => entry.hadRows)
    .map((entry) => entry.plan.memberKey);
  const entity = TABLES.find(([table]) => table === name)![1];
  const byMember = new Map<string, ObjectLiteral[]>();
  for (const row of await findWhereIn(manager, entity, "memberKey", keys)) {
    const list = byMember.get(row.memberKey as string);
    if (list) list.push(row);
    else byMember.set(row.memberKey as string, [row]);
  }
  for (const list of byMember.values()) list.sort((a, b) => (a.position as number) - (b.position as number));
  return byMember;
}

/**
 * Replace-set, table by table, for the changed lists only: a new phone number rewrites the
 * phones, not the committees. What the AMS no longer lists is gone afterwards.
 */
export async function replaceChildLists(manager: EntityManager, dirty: DirtyLists): Promise<void> {
  for (const [name, entity] of TABLES) {
    const entries = dirty.get(name)!;
    await deleteWhereIn(
      manager,
      entity,
      "memberKey",
      entries.filter((entry) => entry.hadRows).map((entry) => entry.plan.memberKey),
    );
    await insertMany(
      manager,
      entity,
      concatLists(entries, (entry) => entry.plan.lists[name]),
    );
  }
}
