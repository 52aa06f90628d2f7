import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import { createPubSub } from "@graphql-yoga/subscription";
import cors from "cors";
import express from "express";
import { GraphQLError } from "graphql";
import type { AppConfig } from "./config/config";
import { Database, type DataSourceExtras } from "./db/data-source";
import { createArmor } from "./graph/armor";
import { createContext, type GraphContext, type GraphServices } from "./graph/context";
import { createErrorFormatter } from "./graph/errors";
import { GraphError } from "./graph/graph.error";
import { RequestAuthenticator } from "./graph/request-authenticator";
import { buildGraphSchema } from "./graph/schema";
import { createGraphqlWsServer } from "./http/graphql-ws.server";
import { healthRoutes } from "./http/health.routes";
import { operationLogPlugin } from "./http/operation-log.plugin";
import { createLogger, type Logger } from "./observability/logger";
import { type Clock, SystemClock } from "./time/clock";

export const GRAPHQL_PATH = "/graphql";

/** What tests and benchmarks may swap; production uses the defaults. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  database?: DataSourceExtras;
}

export interface App {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly database: Database;
  readonly httpServer: Server;
  /** Listens on `port` (default: the configured one; 0 picks a free port). */
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops taking work, drains HTTP and WebSocket connections, closes the database. */
  stop(): Promise<void>;
}

/** Builds everything but the listening socket: tests build it and listen on port 0. */
export async function buildApp(config: AppConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? new SystemClock(config.timeZone);
  const database = await Database.create(config.database, overrides.database);
  await database.open();

  const services: GraphServices = { dataSource: database.dataSource, clock, logger };
  const pubSub = createPubSub();
  const schema = await buildGraphSchema({ pubSub });
  const authenticator = new RequestAuthenticator(config.adminApiKeys.keys);
  const formatError = createErrorFormatter(logger);
  const armor = createArmor(config.graphql);

  const expressApp = express();
  const httpServer = createServer(expressApp);
  const ws = createGraphqlWsServer({
    httpServer,
    path: GRAPHQL_PATH,
    schema,
    authenticator,
    services,
    formatError,
    validationRules: armor.validationRules,
    logger,
  });

  let stopping = false;
  const apollo = new ApolloServer<GraphContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // main.ts owns the signals and stops everything in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    introspection: config.graphql.introspection,
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      { serverWillStart: async () => ({ drainServer: () => ws.dispose() }) },
      config.graphql.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      operationLogPlugin(logger),
    ],
  });
  await apollo.start();

  expressApp.disable("x-powered-by");
  expressApp.use(
    healthRoutes({ isReady: async () => !stopping && (await database.isReady()) }, logger),
  );
  expressApp.use(
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
        return createContext(services, viewer, requestId);
      },
    }),
  );

  return {
    config,
    logger,
    database,
    httpServer,
    async start(port = config.port, host?: string) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve();
        });
      });
      const address = httpServer.address() as AddressInfo;
      const shownHost = host ?? "localhost";
      return { port: address.port, url: `http://${shownHost}:${address.port}${GRAPHQL_PATH}` };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      // Apollo's drain closes the HTTP server (waiting for requests in flight) and the sockets.
      await apollo.stop();
      await database.close();
    },
  };
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
