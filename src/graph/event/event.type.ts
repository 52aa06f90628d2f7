import { Directive, Field, ID, ObjectType } from "type-graphql";
import { connectionTypes } from "../pagination/connection.types";
import { DateTimeScalar } from "../scalars";

@Directive('@key(fields: "key")')
@ObjectType({ simpleResolvers: true, description: "A meeting, course or conference from the AMS." })
export class Event {
  @Field(() => ID) key!: string;
  @Field() title!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => DateTimeScalar) startsAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) endsAt!: Date | null;
  @Field(() => String, { nullable: true, description: "IANA zone the event is held in." }) timeZone!: string | null;
  @Field(() => String, { nullable: true }) location!: string | null;
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => String, { nullable: true }) productCode!: string | null;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field() isMembersOnly!: boolean;
  @Field(() => DateTimeScalar) lastRefreshedAt!: Date;
}

export const { Connection: EventConnection } = connectionTypes(Event, "Event");
