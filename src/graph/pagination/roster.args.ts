import { IsOptional, MaxLength } from "class-validator";
import { ArgsType, Field } from "type-graphql";
import { PageArgs } from "./page.args";
import { DateScalar } from "../scalars";

@ArgsType()
export class RosterArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: "Only this role, e.g. Chair." })
  @IsOptional()
  @MaxLength(100)
  role?: string | null;

  @Field(() => DateScalar, { nullable: true, description: "Only terms running on this day." })
  activeOn?: string | null;
}
