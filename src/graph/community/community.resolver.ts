import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from "type-graphql";
import { DIRECTORY_ROLES } from "../visibility";
import type { GraphContext } from "../context";
import { mapPage } from "../pagination/map-page";
import { PageArgs } from "../pagination/page.args";
import type { PageOf } from "../pagination/connection.types";
import { CommunityFilter } from "./community-filter.input";
import { toCommunity, toCommunityMembership } from "./community.mapper";
import { pageCommunities } from "./community.queries";
import { Community, CommunityConnection, CommunityMembership, CommunityMembershipConnection } from "./community.type";
import { RosterArgs } from "../pagination/roster.args";
import { rosterMemberColumns, withJoinedMember } from "../pagination/roster.loader";
import { oncePerField } from "../pagination/selection";

@Resolver(() => Community)
export class CommunityResolver {
  @Authorized(...DIRECTORY_ROLES)
  @Query(() => Community, { nullable: true, description: "One community by its AMS key." })
  async community(@Arg("key", () => ID) key: string, @Ctx() ctx: GraphContext): Promise<Community | null> {
    const entity = await ctx.loaders.community.load(key);
    return entity ? toCommunity(entity) : null;
  }

  @Authorized(...DIRECTORY_ROLES)
  @Query(() => CommunityConnection, { description: "Communities ordered by name." })
  async communities(
    @Args() page: PageArgs,
    @Arg("filter", () => CommunityFilter, { nullable: true }) filter: CommunityFilter | null,
    @Ctx() ctx: GraphContext,
  ): Promise<PageOf<Community>> {
    const result = await pageCommunities(ctx.services.dataSource, filter, page);
    for (const edge of result.edges) ctx.loaders.community.prime(edge.node.communityKey, edge.node);
    return mapPage(result, toCommunity);
  }

  @FieldResolver(() => Community, { nullable: true })
  async parent(@Root() community: Community, @Ctx() ctx: GraphContext): Promise<Community | null> {
    if (!community.parentKey) return null;
    const entity = await ctx.loaders.community.load(community.parentKey);
    return entity ? toCommunity(entity) : null;
  }

  @FieldResolver(() => [Community], { description: "Communities whose parent this is, by name." })
  async children(@Root() community: Community, @Ctx() ctx: GraphContext): Promise<Community[]> {
    return (await ctx.loaders.communityChildren.load(community.key)).map(toCommunity);
  }

  @FieldResolver(() => CommunityMembershipConnection, {
    description:
      "Memberships ordered by member name. Members list the rosters of communities they currently belong to and of the " +
      "types the gateway opens to all members; otherwise only their own term. Staff and admins list every roster.",
  })
  async members(
    @Root() community: Community,
    @Args() args: RosterArgs,
    @Ctx() ctx: GraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PageOf<CommunityMembership>> {
    const page = await ctx.loaders.communityRoster.page.load({
      groupKey: community.key,
      first: args.first,
      after: args.after ?? null,
      role: args.role ?? null,
      activeOn: args.activeOn ?? null,
      memberColumns: oncePerField(info, rosterMemberColumns),
    });
    return mapPage(page, withJoinedMember(toCommunityMembership));
  }
}
