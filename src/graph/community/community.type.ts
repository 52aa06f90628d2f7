import type { CommunityEntity } from "../../db/entities/community.entity";
import type { Member } from "../member/member.type";
import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../pagination/connection.types";
import { DateScalar, DateTimeScalar } from "../scalars";

@Directive('@key(fields: "key")')
@ObjectType({ simpleResolvers: true, description: "A committee, chapter, special-interest group, … as the AMS lists it." })
export class Community {
  @Field(() => ID) key!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: "E.g. Committee, Chapter, Special Interest Group." })
  type!: string | null;
  @Field(() => String, { nullable: true }) subType!: string | null;
  @Field(() => ID, { nullable: true }) parentKey!: string | null;
  @Field(() => DateTimeScalar) lastRefreshedAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) sourceUpdatedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: "A member's place in a community: role and term." })
export class CommunityMembership {
  memberKey!: string;
  communityKey!: string;
  position!: number;
  /** The community as read with the membership, when only some of its columns were (see `joined-parent.ts`). */
  joinedCommunity?: CommunityEntity;
  /** The member as a roster page read it with the membership (see `roster.loader.ts`). */
  joinedMember?: Member;
  @Field(() => String, { nullable: true, description: "E.g. Chair, Vice Chair, Member." }) role!: string | null;
  @Field(() => DateScalar, { nullable: true }) sinceDate!: string | null;
  @Field(() => DateScalar, { nullable: true }) beginDate!: string | null;
  @Field(() => DateScalar, { nullable: true }) endDate!: string | null;
}

export const { Connection: CommunityConnection } = connectionTypes(Community, "Community");
export const { Connection: CommunityMembershipConnection } = connectionTypes(CommunityMembership, "CommunityMembership");
