import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import { DIRECTORY_ROLES } from "../visibility";
import {
  COMMUNITY_ALWAYS,
  COMMUNITY_FIELD_COLUMNS,
  COMMUNITY_MEMBERSHIP_ALWAYS,
  COMMUNITY_MEMBERSHIP_FIELD_COLUMNS,
  isActiveOn,
} from "../community/community.mapper";
import { CommunityMembership } from "../community/community.type";
import type { GraphContext } from "../context";
import type { PageOf } from "../pagination/connection.types";
import { PageArgs, pageArgsRefusals } from "../pagination/page.args";
import { DateScalar } from "../scalars";
import {
  SECURITY_GROUP_ALWAYS,
  SECURITY_GROUP_FIELD_COLUMNS,
  SECURITY_GROUP_MEMBERSHIP_ALWAYS,
  SECURITY_GROUP_MEMBERSHIP_FIELD_COLUMNS,
} from "../security-group/security-group.mapper";
import { SecurityGroupMembership } from "../security-group/security-group.type";
import { ContactField } from "./contact-field.middleware";
import { MemberFilter, memberFilterRefusals } from "./member-filter.input";
import type { ListColumns } from "../loaders";
import { columnsFor, oncePerField, selectedFieldNames } from "../pagination/selection";
import {
  DEMOGRAPHIC_FIELD_COLUMNS,
  EDUCATION_FIELD_COLUMNS,
  JOB_FIELD_COLUMNS,
  memberColumnsFor,
  PHONE_FIELD_COLUMNS,
  SOCIAL_LINK_FIELD_COLUMNS,
  toDemographic,
  toEducation,
  toJob,
  toMember,
  toSocialLink,
} from "./member.mapper";
import { MEMBER_PAGE_COLUMNS, pageMembers } from "./member.queries";
import { Address, Demographic, Education, Job, Member, MemberConnection, Phone, SocialLink } from "./member.type";

type Selection = Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">;
type FieldColumns = Readonly<Record<string, readonly string[]>>;

/** The columns a plain child list's selected fields read; undefined reads the whole row. */
const listColumns = (map: FieldColumns) => (info: Selection) => {
  const child = columnsFor(selectedFieldNames(info, []), map, ["memberKey"]);
  return child ? { child } : undefined;
};

/**
 * The columns of a membership list and of its joined parent: the parent's whole row (primed
 * into the shared loader, as before) when the operation reads a parent field no map knows.
 */
const membershipColumns =
  (map: FieldColumns, always: readonly string[], parentField: string, parentMap: FieldColumns, parentAlways: readonly string[]) =>
  (info: Selection): ListColumns | undefined => {
    const child = columnsFor(selectedFieldNames(info, []), map, always);
    if (!child) return undefined;
    const parent = columnsFor(selectedFieldNames(info, [parentField]), parentMap, parentAlways);
    return { child, ...(parent ? { parent } : {}) };
  };

/** The member columns a page's selected node fields read; one set per field of a document. */
const PAGE_NODE_COLUMNS = (info: Selection) => memberColumnsFor(selectedFieldNames(info, ["edges", "node"]), MEMBER_PAGE_COLUMNS);
const PHONES = listColumns(PHONE_FIELD_COLUMNS);
const SOCIAL_LINKS = listColumns(SOCIAL_LINK_FIELD_COLUMNS);
const DEMOGRAPHICS = listColumns(DEMOGRAPHIC_FIELD_COLUMNS);
const EDUCATION = listColumns(EDUCATION_FIELD_COLUMNS);
const JOBS = listColumns(JOB_FIELD_COLUMNS);
const COMMUNITIES = membershipColumns(
  COMMUNITY_MEMBERSHIP_FIELD_COLUMNS,
  COMMUNITY_MEMBERSHIP_ALWAYS,
  "community",
  COMMUNITY_FIELD_COLUMNS,
  COMMUNITY_ALWAYS,
);
const SECURITY_GROUPS = membershipColumns(
  SECURITY_GROUP_MEMBERSHIP_FIELD_COLUMNS,
  SECURITY_GROUP_MEMBERSHIP_ALWAYS,
  "group",
  SECURITY_GROUP_FIELD_COLUMNS,
  SECURITY_GROUP_ALWAYS,
);

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
    // Checked by hand below, with type-graphql's refusals: the directory page is the hottest read.
    @Args({ validate: false }) page: PageArgs,
    @Arg("filter", () => MemberFilter, { nullable: true, validate: false }) filter: MemberFilter | null,
    @Ctx() ctx: GraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PageOf<Member>> {
    pageArgsRefusals(page).throwIfAny();
    if (filter) memberFilterRefusals(filter).throwIfAny();
    // Only the columns the operation's member fields read; every column when one is unknown.
    const columns = oncePerField(info, PAGE_NODE_COLUMNS);
    // Whole rows only are primed: the loader's members answer every other field that yields a member.
    return pageMembers(ctx.services.dataSource, filter, page, ctx.visibility, columns, (entity) =>
      ctx.loaders.member.prime(entity.memberKey, entity),
    );
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
  // The loader's promise itself, not one more around it: it stays pending while the page's
  // lists are read (see decided-resolvers' `runChain`).
  phones(@Root() member: Member, @Ctx() ctx: GraphContext, @Info() info: GraphQLResolveInfo): Promise<Phone[]> {
    return ctx.loaders.lists.phones(oncePerField(info, PHONES)).load(member.key);
  }

  @FieldResolver(() => [SocialLink])
  async socialLinks(@Root() member: Member, @Ctx() ctx: GraphContext, @Info() info: GraphQLResolveInfo): Promise<SocialLink[]> {
    return (await ctx.loaders.lists.socialLinks(oncePerField(info, SOCIAL_LINKS)).load(member.key)).map(toSocialLink);
  }

  @FieldResolver(() => [Education], { description: "Profile field: whoever may see the member." })
  async education(@Root() member: Member, @Ctx() ctx: GraphContext, @Info() info: GraphQLResolveInfo): Promise<Education[]> {
    return (await ctx.loaders.lists.education(oncePerField(info, EDUCATION)).load(member.key)).map(toEducation);
  }

  @FieldResolver(() => [Job], { description: "Profile field: whoever may see the member." })
  async jobHistory(@Root() member: Member, @Ctx() ctx: GraphContext, @Info() info: GraphQLResolveInfo): Promise<Job[]> {
    return (await ctx.loaders.lists.jobHistory(oncePerField(info, JOBS)).load(member.key)).map(toJob);
  }

  @UseMiddleware(ContactField)
  @FieldResolver(() => [Demographic], {
    nullable: true,
    description: "Contact field: null for anyone but the member, staff and admins.",
  })
  async demographics(@Root() member: Member, @Ctx() ctx: GraphContext, @Info() info: GraphQLResolveInfo): Promise<Demographic[]> {
    return (await ctx.loaders.lists.demographics(oncePerField(info, DEMOGRAPHICS)).load(member.key)).map(toDemographic);
  }

  @FieldResolver(() => [CommunityMembership], {
    description:
      "In the AMS's order; all terms unless activeOn is given. Someone else's terms show only in communities whose roster you may list.",
  })
  communities(
    @Root() member: Member,
    @Arg("activeOn", () => DateScalar, { nullable: true, description: "Only terms running on this day." })
    activeOn: string | null,
    @Ctx() ctx: GraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CommunityMembership[]> {
    const rows = ctx.loaders.lists.communityMemberships(oncePerField(info, COMMUNITIES)).load(member.key);
    return activeOn ? rows.then((all) => all.filter((row) => isActiveOn(row, activeOn))) : rows;
  }

  @FieldResolver(() => [SecurityGroupMembership])
  securityGroups(@Root() member: Member, @Ctx() ctx: GraphContext, @Info() info: GraphQLResolveInfo): Promise<SecurityGroupMembership[]> {
    return ctx.loaders.lists.securityGroupMemberships(oncePerField(info, SECURITY_GROUPS)).load(member.key);
  }
}
