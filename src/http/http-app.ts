import type { Server } from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express, { type RequestHandler, type Response } from "express";
import type { GraphQLSchema } from "graphql";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import type { AppConfig } from "../config/config";
import { createContext, type GraphContext, type GraphServices } from "../graph/context";
import { GATEWAY_KEY_HEADER } from "../graph/federation/subgraph-schema";
import { CompiledOperations } from "../graph/compiled-operations";
import { createErrorFormatter, type ErrorFormatter } from "../graph/errors";
import { LimitTier, MAX_REQUEST_BYTES, OperationPolicy, type TierPolicy } from "../graph/operation-limits";
import type { Logger } from "../observability/logger";
import type { GatewayMetrics } from "../observability/metrics";
import type { Timers } from "../time/timers";
import type { Clock } from "../time/clock";
import type { TransactionRunner } from "../db/transaction-runner";
import type { RequestListener } from "node:http";
import type { BrowserSignOn } from "../sso/browser/browser-sign-on";
import { allowedOrigins } from "../sso/browser/return-url";
import { authRoutes } from "./auth.routes";
import { compiledExecutor } from "./compiled-executor";
import { createGraphqlWsServer } from "./graphql-ws.server";
import { jsonErrors, notFound } from "./json-errors";
import { metricsRoutes } from "./metrics.routes";
import { operationLogPlugin } from "./operation-log.plugin";
import { OperationRecorder } from "./operation-recorder";
import { QueryLane } from "./query-lane";
import { authenticate, localsOf } from "./request-identity";
import { mountIngest } from "./ingest.routes";
import { createSupergraph, SUPERGRAPH_PATH } from "./supergraph";
import type { CompositionStatus } from "./supergraph-composer";

export const GRAPHQL_PATH = "/graphql";

export interface HttpAppOptions {
  config: AppConfig;
  httpServer: Server;
  schema: GraphQLSchema;
  /** The subgraph SDL `schema` is built from; the built-in gateway composes it. */
  contractSdl: string;
  authenticator: RequestAuthenticator;
  services: GraphServices;
  logger: Logger;
  clock: Clock;
  /** The app's one runner: on SQLite every write goes through it. */
  transactions: TransactionRunner;
  timers?: Timers;
  /** Timers of the built-in gateway's recomposition. */
  supergraphTimers?: Timers;
  /** Served at `/metrics`; GraphQL operations and WebSocket counts are recorded into it. */
  metrics?: GatewayMetrics;
  /** Browser sign-on through redirects, when providers are configured. */
  browserSignOn?: BrowserSignOn;
}

/**
 * The graph over HTTP: Apollo Server 5 on express 5 at /graphql, and graphql-ws on the same server
 * and path. One error formatter and one operation policy serve both transports. The caller
 * mounts `handler` behind the health routes (see `createFrontDoor`), which answer from the start.
 */
export async function createHttpApp(
  options: HttpAppOptions,
): Promise<{ handler: RequestListener; composition?: () => CompositionStatus; stop(): Promise<void> }> {
  const { config, httpServer, schema, authenticator, services, logger } = options;
  const formatError = createErrorFormatter(logger, { hideSchemaDetails: config.graphql.hideSchemaDetails });
  const policy = new OperationPolicy(config.graphql);
  const trustedOrigins = allowedOrigins(config.browserSso.returnUrlAllowlist);
  // One cache of compiled operations for both transports and both tiers.
  const compiled = config.graphql.compile ? new CompiledOperations(schema) : undefined;
  const recorder = new OperationRecorder(logger, options.metrics);
  const graphCors = corsFor(trustedOrigins);
  const ws = createGraphqlWsServer({
    compiled,
    trustedOrigins,
    httpServer,
    path: GRAPHQL_PATH,
    schema,
    authenticator,
    services,
    formatError,
    policy,
    hideInternals: config.nodeEnv === "production",
    logger,
    clock: options.clock,
    timers: options.timers,
  });
  options.metrics?.watchWebSockets(ws.stats);
  // One Apollo server per tier: Apollo takes parse options and validation rules per server and
  // caches validated documents per server, so a document admitted for an admin is never served
  // from that cache to anyone else. The standard one owns draining HTTP and WebSocket.
  const standard = await startApollo(options, policy.forTier(LimitTier.STANDARD), formatError, compiled, recorder, [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
    { serverWillStart: async () => ({ drainServer: () => ws.dispose() }) },
  ]);
  const admin = await startApollo(options, policy.forTier(LimitTier.ADMIN), formatError, compiled, recorder, []);
  const gatewayConfig = config.federation.gateway;
  const supergraph = gatewayConfig
    ? await createSupergraph({
        gateway: gatewayConfig,
        subgraphSchema: schema,
        contractSdl: options.contractSdl,
        policy,
        formatError,
        clock: options.clock,
        logger,
        ...(options.supergraphTimers ? { timers: options.supergraphTimers } : {}),
      })
    : undefined;

  const context = async ({ req, res }: { req: express.Request; res: Response }) => {
    const { viewer, requestId } = localsOf(res);
    const gatewayKey = req.get(GATEWAY_KEY_HEADER);
    return createContext(services, viewer, requestId, { clientAddress: req.ip ?? "unknown", ...(gatewayKey ? { gatewayKey } : {}) });
  };
  const handlers: Record<LimitTier, RequestHandler> = {
    [LimitTier.STANDARD]: expressMiddleware(standard, { context }),
    [LimitTier.ADMIN]: expressMiddleware(admin, { context }),
  };
  const tierOf = (res: Response) => policy.forViewer(localsOf(res).viewer).tier;

  const app = express();
  app.disable("x-powered-by");
  // No ETag: it is a SHA-1 of every answer, and no answer here is cacheable (POSTs, and no
  // cache-control on GET), so no conditional request could ever use it.
  app.set("etag", false);
  // Behind a proxy, the client address comes from X-Forwarded-For (rate limits, logs).
  app.set("trust proxy", config.trustProxy);
  if (options.metrics) app.use(metricsRoutes(options.metrics, config.operations.metrics, logger));
  app.use(GRAPHQL_PATH, graphCors, express.json({ limit: MAX_REQUEST_BYTES }), authenticate(authenticator), (req, res, next) =>
    handlers[tierOf(res)](req, res, next),
  );
  mountIngest(app, {
    config: config.ingest,
    imports: config.imports,
    services,
    transactions: options.transactions,
    clock: options.clock,
    authenticator,
  });
  if (options.browserSignOn) {
    app.use(
      corsFor(trustedOrigins),
      authRoutes({ browser: options.browserSignOn, sessions: services.sessions, config: config.browserSso, logger }),
    );
  }
  if (supergraph) {
    const composed: Record<LimitTier, RequestHandler> = {
      [LimitTier.STANDARD]: expressMiddleware(supergraph.servers[LimitTier.STANDARD], { context }),
      [LimitTier.ADMIN]: expressMiddleware(supergraph.servers[LimitTier.ADMIN], { context }),
    };
    app.use(SUPERGRAPH_PATH, cors(), express.json({ limit: MAX_REQUEST_BYTES }), authenticate(authenticator), (req, res, next) =>
      composed[tierOf(res)](req, res, next),
    );
  }
  app.use(notFound());
  app.use(jsonErrors(logger, MAX_REQUEST_BYTES));
  const lane =
    compiled && config.graphql.queryLane
      ? new QueryLane({
          path: GRAPHQL_PATH,
          schema,
          compiled,
          policy,
          authenticator,
          services,
          recorder,
          ...(options.metrics ? { metrics: options.metrics } : {}),
          trustProxy: config.trustProxy,
          cors: graphCors,
        })
      : undefined;
  return {
    handler: lane ? (req, res) => lane.handle(req, res, app) : app,
    ...(supergraph ? { composition: supergraph.composition } : {}),
    // The standard server drains first: it waits for requests in flight on either server.
    stop: async () => {
      lane?.close();
      await standard.stop();
      await admin.stop();
      await supergraph?.stop();
    },
  };
}

async function startApollo(
  options: HttpAppOptions,
  tier: TierPolicy,
  formatError: ErrorFormatter,
  compiled: CompiledOperations | undefined,
  recorder: OperationRecorder,
  lifecycle: ApolloServerPlugin<GraphContext>[],
): Promise<ApolloServer<GraphContext>> {
  const { config, schema } = options;
  const apollo = new ApolloServer<GraphContext>({
    // Apollo's one public seam for its executor is a gateway: it still parses, validates
    // (the tier's rules), runs every plugin and formats errors; only execution is replaced.
    ...(compiled ? { gateway: compiledExecutor(schema, options.contractSdl, compiled) } : { schema }),
    formatError,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // The app owns the signals and stops everything in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    // The tier's rules refuse introspection when it is off, in the same words as over WebSocket.
    introspection: true,
    parseOptions: tier.parseOptions,
    validationRules: [...tier.validationRules],
    plugins: [
      // No cache hints are set; the plugin would still wrap every field resolution (measured in bench/).
      ApolloServerPluginCacheControlDisabled(),
      // Apollo turns on federated tracing for a subgraph schema; nothing here reports usage, and
      // a trace would hand any caller resolver timings and unformatted errors.
      ApolloServerPluginInlineTraceDisabled(),
      ...lifecycle,
      config.graphql.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      operationLogPlugin(recorder),
    ],
  });
  await apollo.start();
  return apollo;
}

/**
 * Any origin may call without credentials (bearer tokens); only the allow-listed origins of the
 * front ends may send cookies, so only they are answered with credentials allowed.
 */
function corsFor(trustedOrigins: ReadonlySet<string>): ReturnType<typeof cors> {
  return cors((req, callback) => {
    const origin = req.headers.origin;
    callback(null, origin !== undefined && trustedOrigins.has(origin) ? { origin, credentials: true } : {});
  });
}
