import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { type GraphQLSchema, lexicographicSortSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { CommunityMembershipResolver } from "./community/community-membership.resolver";
import { CommunityResolver } from "./community/community.resolver";
import { EventResolver } from "./event/event.resolver";
import { MemberResolver } from "./member/member.resolver";
import { EntitlementResolver, MemberCommerceResolver } from "./commerce/commerce.resolver";
import { MemberEditResolver } from "./member/member-edit.resolver";
import { DateTimeScalar } from "./scalars";
import { SecurityGroupMembershipResolver, SecurityGroupResolver } from "./security-group/security-group.resolver";
import { MeResolver, SessionResolver } from "./sso/sso.resolver";
import { MemberChangeResolver, RefreshFailureResolver, RefreshMemberPayloadResolver, SyncResolver } from "./sync/sync.resolver";
import { authChecker } from "./auth-checker";
import { ImportRunResolver } from "./sync/import.resolver";
import { CompletionResolver, MemberCompletionsResolver } from "./writeback/completion.resolver";

export const RESOLVERS = [
  MemberResolver,
  MemberCommerceResolver,
  EntitlementResolver,
  CommunityResolver,
  CommunityMembershipResolver,
  SecurityGroupResolver,
  SecurityGroupMembershipResolver,
  EventResolver,
  SyncResolver,
  RefreshFailureResolver,
  MemberChangeResolver,
  RefreshMemberPayloadResolver,
  SessionResolver,
  MeResolver,
  ImportRunResolver,
  CompletionResolver,
  MemberCompletionsResolver,
  MemberEditResolver,
] as const;

export interface SchemaOptions {
  pubSub: PubSub;
}

/**
 * Federation 2 features the schema uses (`@key` on entities, `@shareable` on page types). The
 * version is the oldest with everything used, so that older routers compose it too.
 */
export const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])';

/** The schema built from the decorated classes; served as a subgraph (see `toSubgraphSchema`). */
export async function buildGraphSchema(options: SchemaOptions): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    pubSub: options.pubSub,
    authChecker,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Arguments are classes with class-validator rules (page sizes, lengths).
    validate: { forbidUnknownValues: false },
  });
}

/**
 * The contract as committed in `schema/schema.graphql`: the subgraph SDL, with its federation
 * directives, that the served schema is built from. Sorted, so diffs show real changes only.
 */
export function printContract(schema: GraphQLSchema): string {
  return `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(lexicographicSortSchema(schema))}\n`;
}
