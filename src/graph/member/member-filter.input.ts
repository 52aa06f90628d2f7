import { ArrayMaxSize, arrayMaxSize, IsOptional, MaxLength, maxLength } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { ArgumentRefusals, isMissing } from "../argument-check";
import { DateTimeScalar } from "../scalars";
import { MemberStatus } from "./member.type";

const MAX_SEARCH_LENGTH = 200;
const MAX_MEMBER_TYPES = 50;
const MAX_KEY_LENGTH = 100;

@InputType({ description: "Every given condition must hold." })
export class MemberFilter {
  @Field(() => String, {
    nullable: true,
    description:
      "Words that must each appear in the name, nickname, company or email (case-insensitive). Email is searched only " +
      "where you may read it: your own, or everyone's for staff and admins.",
  })
  @IsOptional()
  @MaxLength(MAX_SEARCH_LENGTH)
  search?: string | null;

  @Field(() => [String], { nullable: true, description: "Any of these member types." })
  @IsOptional()
  @ArrayMaxSize(MAX_MEMBER_TYPES)
  memberTypes?: string[] | null;

  @Field(() => [MemberStatus], { nullable: true, description: "Any of these statuses." })
  @IsOptional()
  statuses?: string[] | null;

  @Field(() => Boolean, { nullable: true }) isMember?: boolean | null;

  @Field(() => ID, { nullable: true, description: "Listed in this community, when you may list its roster (see Community.members)." })
  @IsOptional()
  @MaxLength(MAX_KEY_LENGTH)
  communityKey?: string | null;

  @Field(() => ID, { nullable: true, description: "In this security group." })
  @IsOptional()
  @MaxLength(MAX_KEY_LENGTH)
  securityGroupKey?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Whose cached content changed at or after this instant." })
  changedSince?: Date | null;
}

/** class-validator's refusals of a {@link MemberFilter}, by hand (see {@link ArgumentRefusals}). */
export function memberFilterRefusals(filter: MemberFilter): ArgumentRefusals {
  const refusals = new ArgumentRefusals(filter);
  const longer = (property: "search" | "communityKey" | "securityGroupKey", limit: number) => {
    const value = filter[property];
    if (isMissing(value)) return;
    refusals.add(property, value, [
      maxLength(value, limit) ? undefined : ["maxLength", `${property} must be shorter than or equal to ${limit} characters`],
    ]);
  };
  longer("search", MAX_SEARCH_LENGTH);
  if (!isMissing(filter.memberTypes)) {
    refusals.add("memberTypes", filter.memberTypes, [
      arrayMaxSize(filter.memberTypes, MAX_MEMBER_TYPES)
        ? undefined
        : ["arrayMaxSize", `memberTypes must contain no more than ${MAX_MEMBER_TYPES} elements`],
    ]);
  }
  longer("communityKey", MAX_KEY_LENGTH);
  longer("securityGroupKey", MAX_KEY_LENGTH);
  return refusals;
}
