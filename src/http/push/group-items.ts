import { z } from "zod";
import { parseOrThrow } from "../../sources/member-info/contract-violation";
import { describeValue, optionalDay, optionalKey, optionalText, requiredKey, requiredText } from "../../sources/member-info/wire-values";
import type { GroupKind, GroupMemberTerm, GroupMode, GroupPush } from "../../sync/group-push";
import type { SyncService } from "../../sync/sync.service";
import type { ItemError, SkippedMembers } from "./push-answer";
import { type ItemsHandler, itemsAnswer, MAX_LISTED_ERRORS, messageOf } from "./push-endpoint";

/** Most member keys one group item may name (one transaction rewrites each member's list). */
export const MAX_MEMBERS_PER_GROUP = 10_000;

const folded = (value: unknown) =>
  typeof value === "string"
    ? value
        .trim()
        .toLowerCase()
        .replace(/[\s_-]/g, "")
    : value;

/** One word of a closed list, matched case-insensitively and without spaces, dashes or underscores. */
const oneOf = <T extends string>(words: readonly T[], fallback?: T) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): T => {
      if ((value === undefined || value === null || value === "") && fallback !== undefined) return fallback;
      const word = words.find((candidate) => folded(candidate) === folded(value));
      if (word) return word;
      ctx.issues.push({ code: "custom", message: `expected one of ${words.join(", ")}, got ${describeValue(value)}`, input: value });
      return z.NEVER as never;
    });

const memberTerm = z.union([
  requiredKey().transform((memberKey) => ({ memberKey })),
  z.object({
    MemberKey: requiredKey(),
    RoleDescription: optionalText(100),
    SinceDate: optionalDay(),
    BeginDate: optionalDay(),
    EndDate: optionalDay(),
  }),
]);

const groupSchema = z.object({
  GroupType: oneOf<GroupKind>(["Community", "SecurityGroup"]),
  GroupKey: requiredKey(),
  GroupName: requiredText(200),
  CommunityType: optionalText(100),
  CommunitySubType: optionalText(100),
  ParentCommunityKey: optionalKey(),
  SecurityGroupType: optionalText(100),
  Mode: oneOf<GroupMode>(["Replace", "Add", "Remove"], "Replace"),
  Members: z.array(z.unknown()).max(MAX_MEMBERS_PER_GROUP).nullish(),
  MemberKeys: z.array(z.unknown()).max(MAX_MEMBERS_PER_GROUP).nullish(),
});

const peekGroupKey = (raw: unknown): string | null => {
  const key = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).GroupKey : undefined;
  if (typeof key === "number" && Number.isFinite(key)) return String(key);
  return typeof key === "string" && key.trim() !== "" ? key.trim() : null;
};

/** Reads one pushed group; throws the contract violation that names each bad field. */
export function fromPushedGroup(raw: unknown): GroupPush {
  const key = peekGroupKey(raw);
  const subject = key === null ? "Group" : `Group "${key}"`;
  const group = parseOrThrow(groupSchema, raw, subject);
  const listed = [...(group.Members ?? []), ...(group.MemberKeys ?? [])];
  if (listed.length > MAX_MEMBERS_PER_GROUP) throw new Error(`${subject} names more than ${MAX_MEMBERS_PER_GROUP} members`);
  const terms = new Map<string, GroupMemberTerm>();
  listed.forEach((entry, index) => {
    const term = parseOrThrow(memberTerm, entry, `${subject} Members[${index}]`);
    const memberKey = "memberKey" in term ? term.memberKey : term.MemberKey;
    const full = "MemberKey" in term ? term : undefined;
    // A key named twice counts once, with its last term.
    terms.set(memberKey, {
      memberKey,
      role: full?.RoleDescription ?? null,
      sinceDate: full?.SinceDate ?? null,
      beginDate: full?.BeginDate ?? null,
      endDate: full?.EndDate ?? null,
    });
  });
  const community = group.GroupType === "Community";
  return {
    kind: group.GroupType,
    groupKey: group.GroupKey,
    name: group.GroupName,
    type: community ? group.CommunityType : group.SecurityGroupType,
    subType: community ? group.CommunitySubType : null,
    parentKey: community ? group.ParentCommunityKey : null,
    mode: group.Mode,
    members: [...terms.values()],
  };
}

/**
 * `POST /push/v1/groups`: each item is one AMS group (a Community or a SecurityGroup) and its
 * member keys, applied in one transaction through the member writer. Keys the cache does not
 * hold are listed under `skipped`, never created.
 */
export function groupItems(sync: SyncService): ItemsHandler {
  return async (items) => {
    const errors: ItemError[] = [];
    const pushes: Array<{ index: number; push: GroupPush }> = [];
    items.forEach((item, index) => {
      try {
        pushes.push({ index, push: fromPushedGroup(item) });
      } catch (error) {
        errors.push({ index, groupKey: peekGroupKey(item), message: messageOf(error) });
      }
    });
    const skipped: SkippedMembers[] = [];
    let count = 0;
    if (pushes.length > 0) {
      const { outcomes } = await sync.acceptPushedGroups(
        pushes.map((entry) => entry.push),
        `${pushes.length} pushed groups`,
      );
      outcomes.forEach((outcome, at) => {
        const { index } = pushes[at]!;
        if ("error" in outcome) errors.push({ index, groupKey: outcome.groupKey, message: outcome.error });
        else {
          count += 1;
          if (outcome.skipped.length > 0) skipped.push({ index, groupKey: outcome.groupKey, memberKeys: outcome.skipped });
        }
      });
    }
    return itemsAnswer(items.length, count, errors, skipped.length > 0 ? { skipped: skipped.slice(0, MAX_LISTED_ERRORS) } : {});
  };
}
