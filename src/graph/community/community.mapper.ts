import type { CommunityMembershipEntity } from "../../db/entities/community-membership.entity";
import type { CommunityEntity } from "../../db/entities/community.entity";
import { Community, CommunityMembership } from "./community.type";

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

export const toCommunityMembership = (entity: CommunityMembershipEntity): CommunityMembership =>
  Object.assign(new CommunityMembership(), {
    memberKey: entity.memberKey,
    communityKey: entity.communityKey,
    position: entity.position,
    role: entity.role,
    sinceDate: entity.sinceDate,
    beginDate: entity.beginDate,
    endDate: entity.endDate,
  });

/** Inclusive at both ends; an open end is no limit. Days compare as `YYYY-MM-DD` text. */
export function isActiveOn(term: { beginDate: string | null; endDate: string | null }, day: string): boolean {
  return (term.beginDate === null || term.beginDate <= day) && (term.endDate === null || term.endDate >= day);
}
