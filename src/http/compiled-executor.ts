import type { GatewayInterface } from "@apollo/server-gateway-interface";
import type { GraphQLSchema } from "graphql";
import type { CompiledOperations } from "../graph/compiled-operations";

/**
 * Apollo Server's executor replaced by compiled operations, through the gateway interface (its
 * public way to supply an executor). The schema never changes; Apollo keeps parsing, validating,
 * running plugins and formatting errors, and hands over the document it validated.
 */
export function compiledExecutor(schema: GraphQLSchema, sdl: string, compiled: CompiledOperations): GatewayInterface {
  return {
    async load() {
      return {
        executor: async (request) =>
          compiled.execute(
            {
              schema,
              document: request.document,
              operationName: request.request.operationName,
              variableValues: request.request.variables,
              contextValue: request.context,
            },
            request.source,
          ),
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: sdl });
      return () => undefined;
    },
    async stop() {},
  };
}
