import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { CommunityMembershipResolver } from "./community/community-membership.resolver";
import { CommunityResolver } from "./community/community.resolver";
import { EventResolver } from "./event/event.resolver";
import { MemberResolver } from "./member/member.resolver";
import { DateTimeScalar } from "./scalars";
import { SecurityGroupMembershipResolver, SecurityGroupResolver } from "./security-group/security-group.resolver";
import { MeResolver, SessionResolver } from "./sso/sso.resolver";
import { MemberChangeResolver, RefreshFailureResolver, RefreshMemberPayloadResolver, SyncResolver } from "./sync/sync.resolver";
import { authChecker } from "./auth-checker";
import { ImportRunResolver } from "./sync/import.resolver";

export const RESOLVERS = [
  MemberResolver,
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
] as const;

export interface SchemaOptions {
  pubSub: PubSub;
}

/** The executable schema, built from the decorated classes. */
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

/** The contract as committed in `schema/schema.graphql`: sorted, so diffs show real changes only. */
export function printContract(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
