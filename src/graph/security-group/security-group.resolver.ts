import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from "type-graphql";
import { DIRECTORY_ROLES } from "../visibility";
import { SecurityGroupEntity } from "../../db/entities/security-group.entity";
import { RosterArgs } from "../pagination/roster.args";
import { memberOfRow, rosterMemberColumns, withJoinedMember } from "../pagination/roster.loader";
import { oncePerField } from "../pagination/selection";
import { isActiveOn } from "../community/community.mapper";
import type { GraphContext } from "../context";
import { joinedOrLoaded } from "../joined-parent";
import { Member } from "../member/member.type";
import type { PageOf } from "../pagination/connection.types";
import { mapPage } from "../pagination/map-page";
import { toSecurityGroup, toSecurityGroupMembership } from "./security-group.mapper";
import { SecurityGroup, SecurityGroupMembership, SecurityGroupMembershipConnection } from "./security-group.type";

@Resolver(() => SecurityGroup)
export class SecurityGroupResolver {
  @Authorized(...DIRECTORY_ROLES)
  @Query(() => SecurityGroup, { nullable: true })
  async securityGroup(@Arg("key", () => ID) key: string, @Ctx() ctx: GraphContext): Promise<SecurityGroup | null> {
    const entity = await ctx.loaders.securityGroup.load(key);
    return entity ? toSecurityGroup(entity) : null;
  }

  @Authorized(...DIRECTORY_ROLES)
  @Query(() => [SecurityGroup], { description: "Every security group: system groups first, then by name." })
  async securityGroups(@Ctx() ctx: GraphContext): Promise<SecurityGroup[]> {
    const rows = await ctx.services.dataSource
      .getRepository(SecurityGroupEntity)
      .find({ order: { kind: "DESC", name: "ASC", groupKey: "ASC" } });
    for (const row of rows) ctx.loaders.securityGroup.prime(row.groupKey, row);
    return rows.map(toSecurityGroup);
  }

  @FieldResolver(() => SecurityGroupMembershipConnection, { description: "Memberships ordered by member name." })
  async members(
    @Root() group: SecurityGroup,
    @Args() args: RosterArgs,
    @Ctx() ctx: GraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PageOf<SecurityGroupMembership>> {
    const page = await ctx.loaders.securityGroupRoster.page.load({
      groupKey: group.key,
      first: args.first,
      after: args.after ?? null,
      role: args.role ?? null,
      activeOn: args.activeOn ?? null,
      memberColumns: oncePerField(info, rosterMemberColumns),
    });
    return mapPage(page, withJoinedMember(toSecurityGroupMembership));
  }
}

@Resolver(() => SecurityGroupMembership)
export class SecurityGroupMembershipResolver {
  @FieldResolver(() => SecurityGroup)
  group(@Root() membership: SecurityGroupMembership, @Ctx() ctx: GraphContext): SecurityGroup | Promise<SecurityGroup> {
    const { joinedGroup: joined, groupKey } = membership;
    return joinedOrLoaded(
      joined && toSecurityGroup(joined),
      () => ctx.loaders.securityGroup.load(groupKey),
      toSecurityGroup,
      () => new Error(`security group ${groupKey} vanished while being read`),
    );
  }

  @FieldResolver(() => Member)
  member(@Root() membership: SecurityGroupMembership, @Ctx() ctx: GraphContext): Member | Promise<Member> {
    return memberOfRow(membership, ctx.loaders.member);
  }

  @FieldResolver(() => Boolean, { description: "The term runs today (association time zone)." })
  isActive(@Root() membership: SecurityGroupMembership, @Ctx() ctx: GraphContext): boolean {
    return isActiveOn(membership, ctx.services.clock.today());
  }
}
