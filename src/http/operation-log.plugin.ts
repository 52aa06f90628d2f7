import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphContext } from "../graph/context";
import type { OperationRecorder } from "./operation-recorder";

/** Every operation Apollo answers, recorded once it is answered (log line and metrics). */
export function operationLogPlugin(recorder: OperationRecorder): ApolloServerPlugin<GraphContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operationName, operation, response, contextValue: context }) {
          recorder.record({
            requestId: context?.requestId ?? contextValue?.requestId,
            operationName,
            type: operation?.operation,
            viewerKind: context?.viewer.kind,
            errors: response.body.kind === "single" ? response.body.singleResult.errors : undefined,
            startedAt,
          });
        },
      };
    },
  };
}
