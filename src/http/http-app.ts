import { randomUUID } from "node:crypto";
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
import { AuthError } from "../auth/auth.error";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import type { Viewer } from "../auth/viewer";
import type { AppConfig } from "../config/config";
import { createContext, type GraphContext, type GraphServices } from "../graph/context";
import { GATEWAY_KEY_HEADER } from "../graph/federation/subgraph-schema";
import { CompiledOperations } from "../graph/compiled-operations";
import { ClientErrorCode, createErrorFormatter, type ErrorFormatter, fromAuthError } from "../graph/errors";
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
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from "./cookies";
import { compiledExecutor } from "./compiled-executor";
import { createGraphqlWsServer } from "./graphql-ws.server";
import { jsonErrors, notFound, sendError } from "./json-errors";
import { metricsPlugin } from "./metrics.plugin";
import { metricsRoutes } from "./metrics.routes";
import { operationLogPlugin } from "./operation-log.plugin";
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

/** Who asks, decided once per HTTP request before GraphQL sees it. */
interface RequestLocals {
  viewer: Viewer;
  requestId: string;
}

const localsOf = (res: Response) => res.locals as RequestLocals;

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
  const standard = await startApollo(options, policy.forTier(LimitTier.STANDARD), formatError, compiled, [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
    { serverWillStart: async () => ({ drainServer: () => ws.dispose() }) },
  ]);
  const admin = await startApollo(options, policy.forTier(LimitTier.ADMIN), formatError, compiled, []);
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
  // Behind a proxy, the client address comes from X-Forwarded-For (rate limits, logs).
  app.set("trust proxy", config.trustProxy);
  if (options.metrics) app.use(metricsRoutes(options.metrics, config.operations.metrics, logger));
  app.use(
    GRAPHQL_PATH,
    corsFor(trustedOrigins),
    express.json({ limit: MAX_REQUEST_BYTES }),
    authenticate(authenticator),
    (req, res, next) => handlers[tierOf(res)](req, res, next),
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
  return {
    handler: app,
    ...(supergraph ? { composition: supergraph.composition } : {}),
    // The standard server drains first: it waits for requests in flight on either server.
    stop: async () => {
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
  lifecycle: ApolloServerPlugin<GraphContext>[],
): Promise<ApolloServer<GraphContext>> {
  const { config, schema, logger } = options;
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
      operationLogPlugin(logger),
      ...(options.metrics ? [metricsPlugin(options.metrics)] : []),
    ],
  });
  await apollo.start();
  return apollo;
}

/**
 * Any origin may call without credentials (bearer tokens); only the allow-listed origins of the
 * front ends may send cookies, so only they are answered with credentials allowed.
 */
function corsFor(trustedOrigins: ReadonlySet<string>): RequestHandler {
  return cors((req, callback) => {
    const origin = req.headers.origin;
    callback(null, origin !== undefined && trustedOrigins.has(origin) ? { origin, credentials: true } : {});
  });
}

/**
 * Decides who asks, from `Authorization` or else the session cookie; a bad credential answers
 * 401 in the usual error shape, never as anonymous. A cookie rides along on any request the
 * browser makes, even one another site's page starts, so a cookie-authenticated request must also
 * carry the CSRF header, which such a page cannot set without a CORS preflight the gateway refuses.
 */
function authenticate(authenticator: RequestAuthenticator): RequestHandler {
  return async (req, res, next) => {
    const requestId = headerValue(req.headers["x-request-id"]) ?? randomUUID();
    res.setHeader("x-request-id", requestId);
    let authorization: string | undefined = req.headers.authorization;
    const cookie = authorization === undefined ? readCookie(req.headers, SESSION_COOKIE) : undefined;
    if (cookie !== undefined) {
      if (req.get(CSRF_HEADER) === undefined) {
        return sendError(res, 403, ClientErrorCode.FORBIDDEN, `A cookie-authenticated request must carry the ${CSRF_HEADER} header`);
      }
      authorization = `Bearer ${cookie}`;
    }
    let viewer: Viewer;
    try {
      viewer = await authenticator.viewerFor(authorization);
    } catch (error) {
      // Every refused credential is UNAUTHENTICATED (see fromAuthError); the message says why.
      const message = error instanceof AuthError ? fromAuthError(error).message : "Not signed in";
      return sendError(res, 401, ClientErrorCode.UNAUTHENTICATED, message);
    }
    Object.assign(res.locals, { viewer, requestId } satisfies RequestLocals);
    next();
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text && /^[\w.:-]{1,128}$/.test(text) ? text : undefined;
}
