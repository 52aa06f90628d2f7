import type { SecurityGroupMembershipEntity } from "../../db/entities/security-group-membership.entity";
import type { SecurityGroupEntity } from "../../db/entities/security-group.entity";
import { JOINED_PARENT, type WithJoinedParent } from "../joined-parent";
import { entityValue, type ReadValue } from "../member/member.mapper";
import { SecurityGroup, SecurityGroupMembership } from "./security-group.type";

/** What each field of `SecurityGroupMembership` reads of its row, besides member and group. */
export const SECURITY_GROUP_MEMBERSHIP_FIELD_COLUMNS = {
  __typename: [],
  role: ["role"],
  beginDate: ["beginDate"],
  endDate: ["endDate"],
  isActive: ["beginDate", "endDate"],
  group: ["groupKey"],
  member: ["memberKey"],
} as const;
export const SECURITY_GROUP_MEMBERSHIP_ALWAYS = ["memberKey", "groupKey"] as const;

/** What each field of `SecurityGroup` reads of its row. */
export const SECURITY_GROUP_FIELD_COLUMNS = {
  __typename: [],
  key: ["groupKey"],
  name: ["name"],
  kind: ["kind"],
  amsType: ["amsType"],
  grantsMemberStatus: ["grantsMemberStatus"],
  isStaff: ["isStaff"],
  isAdmin: ["isAdmin"],
  lastRefreshedAt: ["lastRefreshedAt"],
  members: ["groupKey"],
} as const;
export const SECURITY_GROUP_ALWAYS = ["groupKey"] as const;

export const toSecurityGroup = (entity: SecurityGroupEntity): SecurityGroup =>
  Object.assign(new SecurityGroup(), {
    key: entity.groupKey,
    name: entity.name,
    kind: entity.kind,
    amsType: entity.amsType,
    grantsMemberStatus: entity.grantsMemberStatus,
    isStaff: entity.isStaff,
    isAdmin: entity.isAdmin,
    lastRefreshedAt: entity.lastRefreshedAt,
  });

/** The GraphQL membership of a group-membership row (an entity, or a raw row read with `read`). */
export function securityGroupMembershipFrom<S>(
  source: S,
  read: ReadValue<S>,
  joined: SecurityGroupEntity | undefined,
): SecurityGroupMembership {
  const membership = new SecurityGroupMembership();
  membership.joinedGroup = joined;
  membership.memberKey = read(source, "memberKey") as string;
  membership.groupKey = read(source, "groupKey") as string;
  membership.position = read(source, "position") as number;
  membership.role = read(source, "role") as string | null;
  membership.beginDate = read(source, "beginDate") as string | null;
  membership.endDate = read(source, "endDate") as string | null;
  return membership;
}

export const toSecurityGroupMembership = (
  entity: WithJoinedParent<SecurityGroupMembershipEntity, SecurityGroupEntity>,
): SecurityGroupMembership => securityGroupMembershipFrom(entity, entityValue, entity[JOINED_PARENT]);
