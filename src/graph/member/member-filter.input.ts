import { ArrayMaxSize, IsOptional, MaxLength } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { DateTimeScalar } from "../scalars";
import { MemberStatus } from "./member.type";

@InputType({ description: "Every given condition must hold." })
export class MemberFilter {
  @Field(() => String, {
    nullable: true,
    description:
      "Words that must each appear in the name, nickname, company or email (case-insensitive). Email is searched only " +
      "where you may read it: your own, or everyone's for staff and admins.",
  })
  @IsOptional()
  @MaxLength(200)
  search?: string | null;

  @Field(() => [String], { nullable: true, description: "Any of these member types." })
  @IsOptional()
  @ArrayMaxSize(50)
  memberTypes?: string[] | null;

  @Field(() => [MemberStatus], { nullable: true, description: "Any of these statuses." })
  @IsOptional()
  statuses?: string[] | null;

  @Field(() => Boolean, { nullable: true }) isMember?: boolean | null;

  @Field(() => ID, { nullable: true, description: "Listed in this community, when you may list its roster (see Community.members)." })
  @IsOptional()
  @MaxLength(100)
  communityKey?: string | null;

  @Field(() => ID, { nullable: true, description: "In this security group." })
  @IsOptional()
  @MaxLength(100)
  securityGroupKey?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Whose cached content changed at or after this instant." })
  changedSince?: Date | null;
}
