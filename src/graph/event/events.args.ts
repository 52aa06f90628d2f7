import { ArgsType, Field } from "type-graphql";
import { PageArgs } from "../pagination/page.args";
import { DateTimeScalar } from "../scalars";

@ArgsType()
export class EventsArgs extends PageArgs {
  @Field(() => DateTimeScalar, { nullable: true, description: "Only events still running at or after this instant." })
  from?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Only events starting before this instant." })
  to?: Date | null;
}
