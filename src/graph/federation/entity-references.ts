import type { GraphQLResolveInfo } from "graphql";
import { AuthorizationError } from "type-graphql";
import type { Role } from "../../auth/viewer";
import { authChecker } from "../auth-checker";
import { toCommunity } from "../community/community.mapper";
import type { GraphContext } from "../context";
import { visibleEvent } from "../event/event.resolver";
import { toMember } from "../member/member.mapper";
import { toSecurityGroup } from "../security-group/security-group.mapper";
import { DIRECTORY_ROLES } from "../visibility";

/** What a gateway sends for an entity: its type and its `@key` fields. */
export interface EntityReference {
  __typename: string;
  key: string | number;
}

type ReferenceResolver = (reference: EntityReference, ctx: GraphContext, info: GraphQLResolveInfo) => Promise<unknown>;

/**
 * The same role check `@Authorized(...roles)` makes on the matching root field, with the same
 * errors: an entity is refused exactly where `member(key)` (and its kin) would be.
 */
async function requireRoles(ctx: GraphContext, info: GraphQLResolveInfo, roles: Role[]): Promise<void> {
  if (!(await authChecker({ context: ctx, root: undefined, args: {}, info }, roles))) throw new AuthorizationError();
}

/** A reference resolver that asks for `roles`, then reads like the root field does. */
function reference<T>(
  roles: Role[] | null,
  read: (ctx: GraphContext, key: string) => Promise<T | null>,
): { __resolveReference: ReferenceResolver } {
  return {
    __resolveReference: async (ref, ctx, info) => {
      if (roles) await requireRoles(ctx, info, roles);
      return read(ctx, String(ref.key));
    },
  };
}

/**
 * `__resolveReference` for every entity: through the request's loaders, so a gateway's batch of
 * references costs one statement per type, and the loaders' visibility rules, so a reference
 * shows no more than `member(key)`, `community(key)`, `securityGroup(key)` or `event(key)`
 * would. Field-level rules (contact fields, rosters) run afterwards as on any other path.
 */
export const ENTITY_REFERENCE_RESOLVERS = {
  Member: reference(DIRECTORY_ROLES, async (ctx, key) => {
    const entity = await ctx.loaders.member.load(key);
    return entity ? toMember(entity) : null;
  }),
  Community: reference(DIRECTORY_ROLES, async (ctx, key) => {
    const entity = await ctx.loaders.community.load(key);
    return entity ? toCommunity(entity) : null;
  }),
  SecurityGroup: reference(DIRECTORY_ROLES, async (ctx, key) => {
    const entity = await ctx.loaders.securityGroup.load(key);
    return entity ? toSecurityGroup(entity) : null;
  }),
  // `event(key)` is open to everyone and decides members-only events itself.
  Event: reference(null, visibleEvent),
};
