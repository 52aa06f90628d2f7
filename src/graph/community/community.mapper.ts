import type { CommunityMembershipEntity } from "../../db/entities/community-membership.entity";
import type { CommunityEntity } from "../../db/entities/community.entity";
import { JOINED_PARENT, type WithJoinedParent } from "../joined-parent";
import { entityValue, type ReadValue } from "../member/member.mapper";
import { Community, CommunityMembership } from "./community.type";

/**
 * What each field of `CommunityMembership` reads of its row. Every read keeps the columns the
 * visibility rule and `activeOn` judge a term by (member, community, begin and end).
 */
export const COMMUNITY_MEMBERSHIP_FIELD_COLUMNS = {
  __typename: [],
  role: ["role"],
  sinceDate: ["sinceDate"],
  beginDate: ["beginDate"],
  endDate: ["endDate"],
  isActive: ["beginDate", "endDate"],
  community: ["communityKey"],
  member: ["memberKey"],
} as const;
export const COMMUNITY_MEMBERSHIP_ALWAYS = ["memberKey", "communityKey", "beginDate", "endDate"] as const;

/** What each field of `Community` reads of its row; the rule for open rosters needs the type. */
export const COMMUNITY_FIELD_COLUMNS = {
  __typename: [],
  key: ["communityKey"],
  name: ["name"],
  type: ["type"],
  subType: ["subType"],
  parentKey: ["parentKey"],
  parent: ["parentKey"],
  children: ["communityKey"],
  members: ["communityKey"],
  lastRefreshedAt: ["lastRefreshedAt"],
  sourceUpdatedAt: ["sourceUpdatedAt"],
} as const;
export const COMMUNITY_ALWAYS = ["communityKey", "type", "subType"] as const;

export const toCommunity = (entity: CommunityEntity): Community =>
  Object.assign(new Community(), {
    key: entity.communityKey,
    name: entity.name,
    type: entity.type,
    subType: entity.subType,
    parentKey: entity.parentKey,
    lastRefreshedAt: entity.lastRefreshedAt,
    sourceUpdatedAt: entity.sourceUpdatedAt,
  });

/** The GraphQL term of a membership row (an entity, or a raw row read with `read`). */
export function communityMembershipFrom<S>(source: S, read: ReadValue<S>, joined: CommunityEntity | undefined): CommunityMembership {
  const membership = new CommunityMembership();
  membership.joinedCommunity = joined;
  membership.memberKey = read(source, "memberKey") as string;
  membership.communityKey = read(source, "communityKey") as string;
  membership.position = read(source, "position") as number;
  membership.role = read(source, "role") as string | null;
  membership.sinceDate = read(source, "sinceDate") as string | null;
  membership.beginDate = read(source, "beginDate") as string | null;
  membership.endDate = read(source, "endDate") as string | null;
  return membership;
}

export const toCommunityMembership = (entity: WithJoinedParent<CommunityMembershipEntity, CommunityEntity>): CommunityMembership =>
  communityMembershipFrom(entity, entityValue, entity[JOINED_PARENT]);

/** Inclusive at both ends; an open end is no limit. Days compare as `YYYY-MM-DD` text. */
export function isActiveOn(term: { beginDate: string | null; endDate: string | null }, day: string): boolean {
  return (term.beginDate === null || term.beginDate <= day) && (term.endDate === null || term.endDate >= day);
}
