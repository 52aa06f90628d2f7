import { IsOptional, MaxLength } from "class-validator";
import { Field, InputType } from "type-graphql";

@InputType()
export class CommunityFilter {
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(100) type?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(100) subType?: string | null;
  @Field(() => String, { nullable: true, description: "Text the name contains (case-insensitive)." })
  @IsOptional()
  @MaxLength(200)
  search?: string | null;
}
