import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphqlConfig } from "../config/config";

/**
 * Limits that keep a hostile or careless query from costing the database: depth, cost, aliases,
 * directives and tokens. The same validation rules guard HTTP and WebSocket operations.
 */
export function createArmor(limits: GraphqlConfig) {
  return new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: 50 },
    maxTokens: { n: limits.maxTokens },
    // Suggestions help Sandbox users; production hides the schema's shape from guessers.
    blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
  }).protect();
}
