import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import { canSeeMembersOnlyEvents } from "../visibility";
import type { GraphContext } from "../context";
import type { PageOf } from "../pagination/connection.types";
import { mapPage } from "../pagination/map-page";
import { toEvent } from "./event.mapper";
import { pageEvents } from "./event.queries";
import { Event, EventConnection } from "./event.type";
import { EventsArgs } from "./events.args";

/** One event as `event(key)` shows it: null when unknown, deleted, or members-only for this viewer. */
export async function visibleEvent(ctx: GraphContext, key: string): Promise<Event | null> {
  const entity = await ctx.loaders.event.load(key);
  if (!entity || entity.isDeleted) return null;
  return !entity.isMembersOnly || canSeeMembersOnlyEvents(ctx.viewer) ? toEvent(entity) : null;
}

@Resolver(() => Event)
export class EventResolver {
  @Query(() => Event, { nullable: true, description: "One event; members-only events need a member, staff or admin." })
  async event(@Arg("key", () => ID) key: string, @Ctx() ctx: GraphContext): Promise<Event | null> {
    return visibleEvent(ctx, key);
  }

  @Query(() => EventConnection, { description: "Events ordered by start. Public events for everyone; members-only ones for members." })
  async events(@Args() args: EventsArgs, @Ctx() ctx: GraphContext): Promise<PageOf<Event>> {
    const audience = { publicOnly: !canSeeMembersOnlyEvents(ctx.viewer) };
    return mapPage(await pageEvents(ctx.services.dataSource, args, audience), toEvent);
  }
}
