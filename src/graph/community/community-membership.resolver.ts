import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { GraphContext } from "../context";
import { toMember } from "../member/member.mapper";
import { Member } from "../member/member.type";
import { isActiveOn, toCommunity } from "./community.mapper";
import { Community, CommunityMembership } from "./community.type";

@Resolver(() => CommunityMembership)
export class CommunityMembershipResolver {
  @FieldResolver(() => Community)
  async community(@Root() membership: CommunityMembership, @Ctx() ctx: GraphContext): Promise<Community> {
    const entity = membership.joinedCommunity ?? (await ctx.loaders.community.load(membership.communityKey));
    // The foreign key guarantees the community row; a miss means the cache is being rewritten.
    if (!entity) throw new Error(`community ${membership.communityKey} vanished while being read`);
    return toCommunity(entity);
  }

  @FieldResolver(() => Member)
  async member(@Root() membership: CommunityMembership, @Ctx() ctx: GraphContext): Promise<Member> {
    // Read with the roster page, under the same rule as the loader's (the viewer may list the member).
    if (membership.joinedMember) return membership.joinedMember;
    const entity = await ctx.loaders.member.load(membership.memberKey);
    if (!entity) throw new Error(`member ${membership.memberKey} vanished while being read`);
    return toMember(entity);
  }

  @FieldResolver(() => Boolean, { description: "The term runs today (association time zone)." })
  isActive(@Root() membership: CommunityMembership, @Ctx() ctx: GraphContext): boolean {
    return isActiveOn(membership, ctx.services.clock.today());
  }
}
