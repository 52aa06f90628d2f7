import type { SecurityGroupMembershipEntity } from "../../db/entities/security-group-membership.entity";
import type { SecurityGroupEntity } from "../../db/entities/security-group.entity";
import { SecurityGroup, SecurityGroupMembership } from "./security-group.type";

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

export const toSecurityGroupMembership = (entity: SecurityGroupMembershipEntity): SecurityGroupMembership =>
  Object.assign(new SecurityGroupMembership(), {
    memberKey: entity.memberKey,
    groupKey: entity.groupKey,
    position: entity.position,
    role: entity.role,
    beginDate: entity.beginDate,
    endDate: entity.endDate,
  });
