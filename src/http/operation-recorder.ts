import type { GraphQLFormattedError, OperationTypeNode } from "graphql";
import type { Viewer } from "../auth/viewer";
import type { Logger } from "../observability/logger";
import type { GatewayMetrics } from "../observability/metrics";

/** Distinct operation names kept as labels; callers choose names, so past this they share one. */
const MAX_OPERATION_NAMES = 200;

/** One GraphQL operation answered over HTTP, as the client saw it. */
export interface AnsweredOperation {
  requestId: string | undefined;
  /** The operation's own name (from the document), not the one the request asked for. */
  operationName: string | null | undefined;
  type: OperationTypeNode | undefined;
  viewerKind: Viewer["kind"] | undefined;
  /** The formatted errors: the codes the client saw. */
  errors: readonly GraphQLFormattedError[] | undefined;
  startedAt: number;
}

/**
 * The one record of an HTTP operation: a structured log line (name, duration, outcome) and the
 * operation metrics by name, type and outcome. Apollo's plugin and the query lane both call it,
 * so an operation counts the same whichever of them answered it.
 */
export class OperationRecorder {
  private readonly names = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: GatewayMetrics,
  ) {}

  record(operation: AnsweredOperation): void {
    const { errors } = operation;
    const durationMs = performance.now() - operation.startedAt;
    const entry = {
      requestId: operation.requestId,
      operationName: operation.operationName ?? null,
      durationMs: Math.round(durationMs),
      viewer: operation.viewerKind,
      errorCodes: errors?.map((error) => error.extensions?.code),
    };
    if (errors?.length) this.logger.info(entry, "graphql operation failed");
    else this.logger.debug(entry, "graphql operation");
    if (!this.metrics) return;
    const labels = { operation: this.label(operation.operationName), type: operation.type ?? "unknown" };
    this.metrics.graphqlOperations.inc({ ...labels, outcome: errors?.length ? "error" : "ok" });
    this.metrics.graphqlDuration.observe(labels, durationMs / 1000);
  }

  private label(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_OPERATION_NAMES || !/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name)) return "other";
    this.names.add(name);
    return name;
  }
}
