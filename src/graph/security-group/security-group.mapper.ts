import type { SecurityGroupMembershipEntity } from "../../db/entities/security-group-membership.entity";
import type { SecurityGroupEntity } from "../../db/entities/security-group.entity";
import { JOINED_PARENT, type WithJoinedParent } from "../joined-parent";
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

export const toSecurityGroupMembership = (
  entity: WithJoinedParent<SecurityGroupMembershipEntity, SecurityGroupEntity>,
): SecurityGroupMembership =>
  Object.assign(new SecurityGroupMembership(), {
    joinedGroup: entity[JOINED_PARENT],
    memberKey: entity.memberKey,
    groupKey: entity.groupKey,
    position: entity.position,
    role: entity.role,
    beginDate: entity.beginDate,
    endDate: entity.endDate,
  });
