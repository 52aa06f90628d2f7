import type { SecurityGroupEntity } from "../../db/entities/security-group.entity";
import type { Member } from "../member/member.type";
import { enumOf } from "../enum-of";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { SECURITY_GROUP_KINDS } from "../../db/entities/security-group.entity";
import { connectionTypes } from "../pagination/connection.types";
import { DateScalar, DateTimeScalar } from "../scalars";

export const SecurityGroupKind = enumOf(SECURITY_GROUP_KINDS);
registerEnumType(SecurityGroupKind, {
  name: "SecurityGroupKind",
  description: "SYSTEM: Public, Authenticated, IsMember, Staff, Admin. AMS: defined by the AMS or a member type.",
});

@Directive('@key(fields: "key")')
@ObjectType({ simpleResolvers: true, description: "A group that decides access." })
export class SecurityGroup {
  @Field(() => ID) key!: string;
  @Field() name!: string;
  @Field(() => SecurityGroupKind) kind!: string;
  @Field(() => String, { nullable: true, description: "The AMS's own group type, e.g. Security or MemberType." })
  amsType!: string | null;
  @Field({ description: "Members of this group hold member status (IsMember)." }) grantsMemberStatus!: boolean;
  @Field() isStaff!: boolean;
  @Field() isAdmin!: boolean;
  @Field(() => DateTimeScalar) lastRefreshedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: "A member's membership of a security group." })
export class SecurityGroupMembership {
  memberKey!: string;
  groupKey!: string;
  position!: number;
  /** The group as read with the membership, when only some of its columns were (see `joined-parent.ts`). */
  joinedGroup?: SecurityGroupEntity;
  /** The member as a roster page read it with the membership (see `roster.loader.ts`). */
  joinedMember?: Member;
  @Field(() => String, { nullable: true }) role!: string | null;
  @Field(() => DateScalar, { nullable: true }) beginDate!: string | null;
  @Field(() => DateScalar, { nullable: true }) endDate!: string | null;
}

export const { Connection: SecurityGroupMembershipConnection } = connectionTypes(SecurityGroupMembership, "SecurityGroupMembership");
