import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import { DIRECTORY_ROLES } from "../visibility";
import { isActiveOn, toCommunityMembership } from "../community/community.mapper";
import { CommunityMembership } from "../community/community.type";
import type { GraphContext } from "../context";
import type { PageOf } from "../pagination/connection.types";
import { mapPage } from "../pagination/map-page";
import { PageArgs } from "../pagination/page.args";
import { DateScalar } from "../scalars";
import { toSecurityGroupMembership } from "../security-group/security-group.mapper";
import { SecurityGroupMembership } from "../security-group/security-group.type";
import { ContactField } from "./contact-field.middleware";
import { MemberFilter } from "./member-filter.input";
import { selectedFieldNames } from "../pagination/selection";
import { memberColumnsFor, toDemographic, toEducation, toJob, toMember, toPhone, toSocialLink } from "./member.mapper";
import { MEMBER_PAGE_COLUMNS, pageMembers } from "./member.queries";
import { Address, Demographic, Education, Job, Member, MemberConnection, Phone, SocialLink } from "./member.type";

@Resolver(() => Member)
export class MemberResolver {
  @Authorized(...DIRECTORY_ROLES)
  @Query(() => Member, {
    nullable: true,
    description: "One member by AMS key; null when not cached or not in the directory for you.",
  })
  async member(@Arg("key", () => ID) key: string, @Ctx() ctx: GraphContext): Promise<Member | null> {
    const entity = await ctx.loaders.member.load(key);
    return entity ? toMember(entity) : null;
  }

  @Authorized(...DIRECTORY_ROLES)
  @Query(() => MemberConnection, {
    description: "Members ordered by last name, first name, key. Members see the directory: not those who opted out.",
  })
  async members(
    @Args() page: PageArgs,
    @Arg("filter", () => MemberFilter, { nullable: true }) filter: MemberFilter | null,
    @Ctx() ctx: GraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PageOf<Member>> {
    // Only the columns the operation's member fields read; every column when one is unknown.
    const columns = memberColumnsFor(selectedFieldNames(info, ["edges", "node"]), MEMBER_PAGE_COLUMNS);
    const result = await pageMembers(ctx.services.dataSource, filter, page, ctx.visibility, columns);
    // Whole rows only: the loader's members answer every other field that yields a member.
    if (!columns) for (const edge of result.edges) ctx.loaders.member.prime(edge.node.memberKey, edge.node);
    return mapPage(result, toMember);
  }

  @UseMiddleware(ContactField)
  @FieldResolver(() => String, { nullable: true, description: "Contact field: the member, staff and admins only." })
  email(@Root() member: Member): string | null {
    return member.email;
  }

  @UseMiddleware(ContactField)
  @FieldResolver(() => Address, { nullable: true, description: "Contact field: the member, staff and admins only." })
  address(@Root() member: Member): Address | null {
    return member.address;
  }

  @UseMiddleware(ContactField)
  @FieldResolver(() => [Phone], {
    nullable: true,
    description: "Up to four, in the AMS's order. Contact field: null for anyone but the member, staff and admins.",
  })
  async phones(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<Phone[]> {
    return (await ctx.loaders.phonesByMember.load(member.key)).map(toPhone);
  }

  @FieldResolver(() => [SocialLink])
  async socialLinks(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<SocialLink[]> {
    return (await ctx.loaders.socialLinksByMember.load(member.key)).map(toSocialLink);
  }

  @FieldResolver(() => [Education], { description: "Profile field: whoever may see the member." })
  async education(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<Education[]> {
    return (await ctx.loaders.educationByMember.load(member.key)).map(toEducation);
  }

  @FieldResolver(() => [Job], { description: "Profile field: whoever may see the member." })
  async jobHistory(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<Job[]> {
    return (await ctx.loaders.jobHistoryByMember.load(member.key)).map(toJob);
  }

  @UseMiddleware(ContactField)
  @FieldResolver(() => [Demographic], {
    nullable: true,
    description: "Contact field: null for anyone but the member, staff and admins.",
  })
  async demographics(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<Demographic[]> {
    return (await ctx.loaders.demographicsByMember.load(member.key)).map(toDemographic);
  }

  @FieldResolver(() => [CommunityMembership], {
    description:
      "In the AMS's order; all terms unless activeOn is given. Someone else's terms show only in communities whose roster you may list.",
  })
  async communities(
    @Root() member: Member,
    @Arg("activeOn", () => DateScalar, { nullable: true, description: "Only terms running on this day." })
    activeOn: string | null,
    @Ctx() ctx: GraphContext,
  ): Promise<CommunityMembership[]> {
    const rows = await ctx.loaders.communityMembershipsByMember.load(member.key);
    return rows.filter((row) => !activeOn || isActiveOn(row, activeOn)).map(toCommunityMembership);
  }

  @FieldResolver(() => [SecurityGroupMembership])
  async securityGroups(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<SecurityGroupMembership[]> {
    return (await ctx.loaders.securityGroupMembershipsByMember.load(member.key)).map(toSecurityGroupMembership);
  }
}
