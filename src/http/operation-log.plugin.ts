import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "../observability/logger";
import type { GraphContext } from "../graph/context";

/** One structured line per GraphQL operation: name, duration, outcome. */
export function operationLogPlugin(logger: Logger): ApolloServerPlugin<GraphContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operationName, response, contextValue: context }) {
          // The formatted errors: the codes the client saw.
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const entry = {
            requestId: context?.requestId ?? contextValue?.requestId,
            operationName: operationName ?? null,
            durationMs: Math.round(performance.now() - startedAt),
            viewer: context?.viewer.kind,
            errorCodes: errors?.map((error) => error.extensions?.code),
          };
          if (errors?.length) logger.info(entry, "graphql operation failed");
          else logger.debug(entry, "graphql operation");
        },
      };
    },
  };
}
