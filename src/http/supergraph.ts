import { composeServices } from "@apollo/composition";
import { ApolloGateway, type GraphQLDataSourceProcessOptions, LocalGraphQLDataSource, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLSchema, parse } from "graphql";
import { IDENTITY_HEADER, signIdentity } from "../auth/identity-token";
import { AMSGATE_SUBGRAPH, type BuiltInGatewayConfig, type SubgraphEndpoint } from "../config/federation.config";
import type { GraphContext } from "../graph/context";
import type { ErrorFormatter } from "../graph/errors";
import { LimitTier, type OperationPolicy } from "../graph/operation-limits";
import type { Logger } from "../observability/logger";
import type { Clock } from "../time/clock";
import { realTimers, type Timers } from "../time/timers";
import { operationLogPlugin } from "./operation-log.plugin";
import { OperationRecorder } from "./operation-recorder";
import { type CompositionStatus, SupergraphComposer } from "./supergraph-composer";

/** Where the built-in gateway serves the composed graph (amsgate's own graph stays at /graphql). */
export const SUPERGRAPH_PATH = "/supergraph";

export interface SupergraphOptions {
  gateway: BuiltInGatewayConfig;
  /** amsgate's subgraph schema, executed in-process. */
  subgraphSchema: GraphQLSchema;
  /** amsgate's subgraph SDL (the contract). */
  contractSdl: string;
  policy: OperationPolicy;
  formatError: ErrorFormatter;
  clock: Clock;
  logger: Logger;
  /** Schedule recomposition; real timers unless a test injects its own. */
  timers?: Timers;
}

/** amsgate's own subgraph, in-process; its errors leave already mapped, so codes survive the gateway. */
class AmsgateDataSource extends LocalGraphQLDataSource<GraphContext> {
  constructor(
    schema: GraphQLSchema,
    private readonly formatError: ErrorFormatter,
  ) {
    super(schema);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GraphContext>) {
    const result = await super.process(options);
    if (!result.errors) return result;
    const errors = result.errors.map((error) => (error instanceof GraphQLError ? this.formatError(error.toJSON(), error) : error));
    return { ...result, errors };
  }
}

/**
 * Errors a subgraph reported reach the client with the subgraph's message and code: amsgate's
 * own left its data source already mapped, and another subgraph owns its words. Anything the
 * gateway itself raises goes through amsgate's formatter (masking, no schema detail).
 */
function gatewayErrorFormatter(format: ErrorFormatter): ErrorFormatter {
  return (formatted, error) => {
    const reported =
      error instanceof GraphQLError && typeof error.extensions.serviceName === "string" && !(error.originalError instanceof Error);
    if (!reported) return format(formatted, error);
    const code = typeof formatted.extensions?.code === "string" ? formatted.extensions.code : "INTERNAL_SERVER_ERROR";
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  };
}

/** Reads a subgraph's SDL the way a router does (`_service { sdl }`). */
async function fetchSdl(subgraph: SubgraphEndpoint): Promise<string> {
  const response = await fetch(subgraph.url, {
    signal: AbortSignal.timeout(10_000),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = (await response.json()) as { data?: { _service?: { sdl?: string } } };
  const sdl = body.data?._service?.sdl;
  if (!sdl) throw new Error(`subgraph ${subgraph.name} did not answer _service { sdl } (HTTP ${response.status})`);
  return sdl;
}

/**
 * The built-in gateway: Apollo Gateway composing amsgate (in-process) with `FEDERATION_SUBGRAPHS`
 * at start and every `FEDERATION_COMPOSE_INTERVAL` (one composer for both tiers; a failure keeps
 * the last good supergraph and is reported by `composition()`). Each remote subgraph gets the caller's identity as a short-lived JWT in
 * `x-amsgate-identity`, signed for that subgraph alone, never the caller's own credentials.
 * One Apollo server per limit tier, as at /graphql, so the operation limits hold here too.
 */
export async function createSupergraph(
  options: SupergraphOptions,
): Promise<{ servers: Record<LimitTier, ApolloServer<GraphContext>>; composition(): CompositionStatus; stop(): Promise<void> }> {
  const { gateway: config, logger } = options;
  const local = { name: AMSGATE_SUBGRAPH, url: "http://amsgate.local/graphql", typeDefs: parse(options.contractSdl) };
  const composeLocal = async () => {
    const result = composeServices([local]);
    if (result.errors) throw new Error(`amsgate's own graph does not compose: ${result.errors.map((error) => error.message).join("; ")}`);
    return result.supergraphSdl;
  };
  const compose = async () => {
    const remote = await Promise.all(
      config.subgraphs.map(async (subgraph) => ({ ...subgraph, typeDefs: parse(await fetchSdl(subgraph)) })),
    );
    const result = composeServices([local, ...remote]);
    if (result.errors) throw new Error(`the subgraphs do not compose: ${result.errors.map((error) => error.message).join("; ")}`);
    logger.debug({ subgraphs: config.subgraphs.map((subgraph) => subgraph.name) }, "supergraph composed");
    return result.supergraphSdl;
  };
  const composer = new SupergraphComposer(
    compose,
    composeLocal,
    config.composeIntervalMs,
    options.timers ?? realTimers,
    options.clock,
    logger,
  );
  await composer.start();
  const buildService = ({ name, url }: { name: string; url?: string }) => {
    if (name === AMSGATE_SUBGRAPH) return new AmsgateDataSource(options.subgraphSchema, options.formatError);
    return new RemoteGraphQLDataSource<GraphContext>({
      url,
      async willSendRequest({ request, context }) {
        const key = { secret: config.identityKey, audience: name };
        const token = await signIdentity(context.viewer, key, options.clock.now(), Math.floor(config.identityTtlMs / 1000));
        request.http?.headers.set(IDENTITY_HEADER, token);
        request.http?.headers.set("x-request-id", context.requestId);
      },
    });
  };
  // Logged, not counted: the operation metrics are the subgraph's own (see http-app).
  const recorder = new OperationRecorder(logger);
  const start = async (tier: LimitTier) => {
    const policy = options.policy.forTier(tier);
    const server = new ApolloServer<GraphContext>({
      // @apollo/gateway 2.14 implements version 1 of the gateway interface; Apollo Server 5 runs it unchanged.
      gateway: new ApolloGateway({ supergraphSdl: composer.supergraphSdl, buildService }) as never,
      formatError: gatewayErrorFormatter(options.formatError),
      includeStacktraceInErrorResponses: false,
      allowBatchedHttpRequests: false,
      stopOnTerminationSignals: false,
      introspection: true,
      parseOptions: policy.parseOptions,
      validationRules: [...policy.validationRules],
      plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginLandingPageDisabled(), operationLogPlugin(recorder)],
    });
    await server.start();
    return server;
  };
  const servers = { [LimitTier.STANDARD]: await start(LimitTier.STANDARD), [LimitTier.ADMIN]: await start(LimitTier.ADMIN) };
  return {
    servers,
    composition: () => composer.report(),
    stop: async () => {
      composer.stop();
      await servers[LimitTier.STANDARD].stop();
      await servers[LimitTier.ADMIN].stop();
    },
  };
}
