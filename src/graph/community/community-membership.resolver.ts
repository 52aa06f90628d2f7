import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { GraphContext } from "../context";
import { joinedOrLoaded } from "../joined-parent";
import { memberOfRow } from "../pagination/roster.loader";
import { Member } from "../member/member.type";
import { isActiveOn, toCommunity } from "./community.mapper";
import { Community, CommunityMembership } from "./community.type";

@Resolver(() => CommunityMembership)
export class CommunityMembershipResolver {
  @FieldResolver(() => Community)
  community(@Root() membership: CommunityMembership, @Ctx() ctx: GraphContext): Community | Promise<Community> {
    const { joinedCommunity: joined, communityKey } = membership;
    return joinedOrLoaded(
      joined && toCommunity(joined),
      () => ctx.loaders.community.load(communityKey),
      toCommunity,
      () => new Error(`community ${communityKey} vanished while being read`),
    );
  }

  @FieldResolver(() => Member)
  member(@Root() membership: CommunityMembership, @Ctx() ctx: GraphContext): Member | Promise<Member> {
    return memberOfRow(membership, ctx.loaders.member);
  }

  @FieldResolver(() => Boolean, { description: "The term runs today (association time zone)." })
  isActive(@Root() membership: CommunityMembership, @Ctx() ctx: GraphContext): boolean {
    return isActiveOn(membership, ctx.services.clock.today());
  }
}
