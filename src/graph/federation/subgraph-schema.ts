import { createHash, timingSafeEqual } from "node:crypto";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { parse } from "graphql";
import { createResolversMap } from "type-graphql";
import type { GraphContext } from "../context";
import { GraphError, GraphErrorCode } from "../graph.error";
import { ENTITY_REFERENCE_RESOLVERS } from "./entity-references";

/** Header a federation gateway sends its key in, to read `_service { sdl }`. */
export const GATEWAY_KEY_HEADER = "x-gateway-key";

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * The served schema: the type-graphql schema as an Apollo Federation 2 subgraph. `contractSdl`
 * (the committed `schema/schema.graphql`) is its source; the resolvers are type-graphql's own,
 * so `@Authorized`, middlewares, argument validation and subscriptions behave as before, and
 * the entities gain reference resolvers.
 */
export function toSubgraphSchema(schema: GraphQLSchema, contractSdl: string): GraphQLSchema {
  const resolvers = createResolversMap(schema) as ResolverMap;
  for (const [typeName, entity] of Object.entries(ENTITY_REFERENCE_RESOLVERS)) {
    resolvers[typeName] = { ...resolvers[typeName], ...entity };
  }
  // The subgraph schema is read from the SDL; its resolvers are matched by type and field name.
  const subgraph = buildSubgraphSchema([{ typeDefs: parse(contractSdl), resolvers: resolvers as never }]);
  guardServiceField(subgraph);
  return subgraph;
}

/** `_service { sdl }` tells the whole schema, hidden introspection or not: for gateways only. */
function guardServiceField(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._service;
  if (!field?.resolve) throw new Error("the subgraph schema has no _service resolver");
  const resolve: GraphQLFieldResolver<unknown, GraphContext> = field.resolve;
  field.resolve = (source, args, ctx: GraphContext, info) => {
    if (!maySeeSubgraphSchema(ctx)) {
      throw new GraphError(
        GraphErrorCode.FORBIDDEN,
        `The subgraph schema is for the federation gateway: send its key in ${GATEWAY_KEY_HEADER}`,
      );
    }
    return resolve(source, args, ctx, info);
  };
}

function maySeeSubgraphSchema(ctx: GraphContext): boolean {
  const { serviceOpen, gatewayKeys } = ctx.services.federation;
  if (serviceOpen) return true;
  const presented = ctx.origin.gatewayKey;
  if (presented === undefined) return false;
  // Compared as digests: equal lengths, and no timing to tell how much of a key was right.
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return gatewayKeys.some((key) => timingSafeEqual(digest(key), digest(presented)));
}
