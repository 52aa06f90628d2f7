import type { DataSource } from "typeorm";
import { Role } from "../auth/viewer";
import { MemberEntity, SecurityGroupMembershipEntity } from "../db/entities";
import { SYSTEM_POSITION_BASE } from "../sync/derive-status";

/**
 * A member's roles from the cache: AUTHENTICATED for anyone who may sign in, MEMBER while they
 * hold member status, STAFF and ADMIN from the derived system groups (DESIGN §4.4, §5).
 */
export async function rolesOf(dataSource: DataSource, member: MemberEntity): Promise<Role[]> {
  const system = await dataSource
    .getRepository(SecurityGroupMembershipEntity)
    .createQueryBuilder("sgm")
    .where("sgm.memberKey = :key AND sgm.position >= :base", { key: member.memberKey, base: SYSTEM_POSITION_BASE })
    .getMany();
  const groups = new Set(system.map((row) => row.groupKey));
  const roles = [Role.AUTHENTICATED];
  if (member.isMember) roles.push(Role.MEMBER);
  if (groups.has("Staff")) roles.push(Role.STAFF);
  if (groups.has("Admin")) roles.push(Role.ADMIN);
  return roles;
}

export function findMember(dataSource: DataSource, memberKey: string): Promise<MemberEntity | null> {
  return dataSource.getRepository(MemberEntity).findOneBy({ memberKey });
}
