import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import cors from "cors";
import express from "express";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import type { AppConfig } from "../config/config";
import { createArmor } from "../graph/armor";
import { createContext, type GraphContext, type GraphServices } from "../graph/context";
import { createErrorFormatter } from "../graph/errors";
import { GraphError } from "../graph/graph.error";
import type { Logger } from "../observability/logger";
import type { GatewayMetrics } from "../observability/metrics";
import type { ReadinessReport } from "../observability/readiness";
import type { Timers } from "../sync/sync-scheduler";
import type { Clock } from "../time/clock";
import { createGraphqlWsServer } from "./graphql-ws.server";
import { healthRoutes } from "./health.routes";
import { metricsPlugin } from "./metrics.plugin";
import { metricsRoutes } from "./metrics.routes";
import { operationLogPlugin } from "./operation-log.plugin";

export const GRAPHQL_PATH = "/graphql";

export interface HttpAppOptions {
  config: AppConfig;
  httpServer: Server;
  schema: GraphQLSchema;
  authenticator: RequestAuthenticator;
  services: GraphServices;
  logger: Logger;
  clock: Clock;
  timers?: Timers;
  isReady: () => Promise<boolean>;
  /** The detailed readiness report `/readyz` answers with, when given. */
  readiness?: () => Promise<ReadinessReport>;
  /** Served at `/metrics`; GraphQL operations and WebSocket counts are recorded into it. */
  metrics?: GatewayMetrics;
}

/**
 * The HTTP side: health routes, Apollo Server 5 on express 5 at /graphql, and graphql-ws on the
 * same server and path. One error formatter and one set of query limits serve both transports.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<{ stop(): Promise<void> }> {
  const { config, httpServer, schema, authenticator, services, logger } = options;
  const formatError = createErrorFormatter(logger);
  const armor = createArmor(config.graphql);
  const ws = createGraphqlWsServer({
    httpServer,
    path: GRAPHQL_PATH,
    schema,
    authenticator,
    services,
    formatError,
    validationRules: armor.validationRules,
    logger,
    clock: options.clock,
    timers: options.timers,
  });
  options.metrics?.watchWebSockets(ws.stats);
  const apollo = new ApolloServer<GraphContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // The app owns the signals and stops everything in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    introspection: config.graphql.introspection,
    validationRules: armor.validationRules,
    plugins: [
      // No cache hints are set; the plugin would still wrap every field resolution (measured in bench/).
      ApolloServerPluginCacheControlDisabled(),
      ...armor.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      { serverWillStart: async () => ({ drainServer: () => ws.dispose() }) },
      config.graphql.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      operationLogPlugin(logger),
      ...(options.metrics ? [metricsPlugin(options.metrics)] : []),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable("x-powered-by");
  // Behind a proxy, the client address comes from X-Forwarded-For (rate limits, logs).
  app.set("trust proxy", config.trustProxy);
  app.use(healthRoutes({ isReady: options.isReady, report: options.readiness }, logger));
  if (options.metrics) app.use(metricsRoutes(options.metrics, config.operations.metrics, logger));
  app.use(
    GRAPHQL_PATH,
    cors(),
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = headerValue(req.headers["x-request-id"]) ?? randomUUID();
        res.setHeader("x-request-id", requestId);
        const viewer = await authenticator.viewerFor(req.headers.authorization).catch((error: unknown) => {
          throw toHttpError(error);
        });
        return createContext(services, viewer, requestId, { clientAddress: req.ip ?? "unknown" });
      },
    }),
  );
  httpServer.on("request", app);
  return { stop: () => apollo.stop() };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text && /^[\w.:-]{1,128}$/.test(text) ? text : undefined;
}

/** Credentials refused while building the context: 401 with the usual error shape. */
function toHttpError(error: unknown): GraphQLError {
  const message = error instanceof GraphError ? error.message : "Not signed in";
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}
