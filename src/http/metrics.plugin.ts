import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphContext } from "../graph/context";
import type { GatewayMetrics } from "../observability/metrics";

/** Distinct operation names kept as labels; callers choose names, so past this they share one. */
const MAX_OPERATION_NAMES = 200;

/** Counts and times every GraphQL operation over HTTP by operation name, type and outcome. */
export function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GraphContext> {
  const names = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return "anonymous";
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES || !/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name)) return "other";
    names.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operationName, operation, response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const labels = { operation: label(operationName), type: operation?.operation ?? "unknown" };
          metrics.graphqlOperations.inc({ ...labels, outcome: errors?.length ? "error" : "ok" });
          metrics.graphqlDuration.observe(labels, (performance.now() - startedAt) / 1000);
        },
      };
    },
  };
}
