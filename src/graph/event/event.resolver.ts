import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import type { GraphContext } from "../context";
import type { PageOf } from "../pagination/connection.types";
import { mapPage } from "../pagination/map-page";
import { toEvent } from "./event.mapper";
import { pageEvents } from "./event.queries";
import { Event, EventConnection } from "./event.type";
import { EventsArgs } from "./events.args";

@Resolver(() => Event)
export class EventResolver {
  @Query(() => Event, { nullable: true })
  async event(@Arg("key", () => ID) key: string, @Ctx() ctx: GraphContext): Promise<Event | null> {
    const entity = await ctx.loaders.event.load(key);
    return entity && !entity.isDeleted ? toEvent(entity) : null;
  }

  @Query(() => EventConnection, { description: "Events ordered by start." })
  async events(@Args() args: EventsArgs, @Ctx() ctx: GraphContext): Promise<PageOf<Event>> {
    return mapPage(await pageEvents(ctx.services.dataSource, args), toEvent);
  }
}
