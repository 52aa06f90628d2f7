import "reflect-metadata";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppConfig } from "./config/config";
import { RequestAuthenticator } from "./auth/request-authenticator";
import type { Database, DataSourceExtras } from "./db/data-source";
import { connectDatabase, databaseTarget } from "./db/database-connect";
import { TransactionRunner } from "./db/transaction-runner";
import type { GraphServices } from "./graph/context";
import { createPubSubBundle } from "./graph/pubsub";
import { buildGraphSchema, printContract } from "./graph/schema";
import { toSubgraphSchema } from "./graph/federation/subgraph-schema";
import { createFrontDoor } from "./http/front-door";
import { createHttpApp, GRAPHQL_PATH } from "./http/http-app";
import { createLogger, type Logger } from "./observability/logger";
import type { AmsSource } from "./sources/ams-source";
import { createSource } from "./sources/create-source";
import type { CredentialLimiters } from "./sso/credentials/credentials.method";
import { SessionTokens } from "./sso/session/session-tokens";
import { SsoExchangeService } from "./sso/sso-exchange.service";
import { createSsoHandlers } from "./sso/sso-handlers";
import { createSync, type Sync } from "./sync/create-sync";
import type { Timers } from "./time/timers";
import { type Clock, SystemClock } from "./time/clock";

export { GRAPHQL_PATH };

/** What tests and benchmarks may swap; production uses the defaults. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  database?: DataSourceExtras;
  source?: AmsSource;
  /** The sync scheduler's timers. */
  timers?: Timers;
  /** Timers that close WebSocket connections when their session expires. */
  sessionTimers?: Timers;
  random?: () => number;
  credentialLimiters?: CredentialLimiters;
}

export interface App {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly httpServer: Server;
  /** `database`, `sync` and `sessions` exist once `start()` has resolved. */
  readonly database: Database;
  readonly sync: Sync;
  readonly sessions: SessionTokens;
  /**
   * Listens on `port` (default: the configured one; 0 picks a free port) with `/healthz` and
   * `/readyz` answering at once, then opens the database (waiting while it does not answer),
   * builds the graph and starts sync. Resolves when the gateway is ready.
   */
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops sync, drains HTTP and WebSocket connections, closes pub/sub and the database. */
  stop(): Promise<void>;
}

/** What exists once the database is open. */
interface Running {
  database: Database;
  sync: Sync;
  sessions: SessionTokens;
  stop(): Promise<void>;
}

/** Builds everything that needs no database; `start()` does the rest. Tests listen on port 0. */
export async function buildApp(config: AppConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? new SystemClock(config.timeZone);
  const httpServer = createServer();
  const abort = new AbortController();
  let stopping = false;
  let waitingFor = "the database is being opened";
  let running: Running | undefined;
  const frontDoor = createFrontDoor(
    {
      async check() {
        if (stopping) return { ready: false, reason: "shutting down" };
        if (!running) return { ready: false, reason: waitingFor };
        if (await running.database.isReady()) return { ready: true };
        return { ready: false, reason: "the database is unreachable or not fully migrated" };
      },
    },
    logger,
  );
  httpServer.on("request", frontDoor.listener);
  const need = (): Running => {
    if (!running) throw new Error("The app has not started: await start() first");
    return running;
  };

  const open = async (): Promise<Running> => {
    const database = await connectDatabase(config.database, {
      retry: config.databaseRetry,
      extras: overrides.database,
      signal: abort.signal,
      onRetry: ({ error, attempt, delayMs }) => {
        waitingFor = `waiting for the database: ${error.code} (attempt ${attempt}; next in ${Math.ceil(delayMs / 1000)}s)`;
        logger.warn({ database: databaseTarget(config.database), attempt, retryInMs: delayMs, reason: error.message }, "database unreachable; retrying");
      },
    });
    if (stopping) {
      await database.close();
      throw new Error("Stopped while opening the database");
    }
    return wire(config, overrides, { database, logger, clock, httpServer, mount: frontDoor.mount });
  };

  return {
    config,
    logger,
    httpServer,
    get database() {
      return need().database;
    },
    get sync() {
      return need().sync;
    },
    get sessions() {
      return need().sessions;
    },
    async start(port = config.port, host?: string) {
      await listen(httpServer, port, host);
      const address = httpServer.address() as AddressInfo;
      logger.info({ port: address.port }, "health endpoints up; opening the database");
      let opened: Running;
      try {
        opened = await open();
      } catch (error) {
        await closeServer(httpServer);
        throw error;
      }
      if (stopping) {
        // stop() came while the graph was being built and found nothing to stop: undo it here.
        await opened.stop().catch(() => undefined);
        throw new Error("Stopped while starting");
      }
      running = opened;
      running.sync.start();
      return { port: address.port, url: `http://${host ?? "localhost"}:${address.port}${GRAPHQL_PATH}` };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      // A wait for the database is not awaited: start() ends it and closes what it opened.
      abort.abort();
      if (running) await running.stop();
      else await closeServer(httpServer);
    },
  };
}

/** Everything that needs the open database: source, sync, sign-on, the graph over HTTP and WebSocket. */
async function wire(
  config: AppConfig,
  overrides: AppOverrides,
  deps: { database: Database; logger: Logger; clock: Clock; httpServer: Server; mount: (handler: RequestListener) => void },
): Promise<Running> {
  const { database, logger, clock, httpServer } = deps;
  const transactions = new TransactionRunner(database);
  const bus = createPubSubBundle(config.redisUrl, logger);
  const source = overrides.source ?? createSource(config.source, { clock, logger, random: overrides.random });
  const sync = createSync({
    config: config.sync,
    database,
    transactions,
    source,
    clock,
    logger,
    channel: bus.channel,
    timers: overrides.timers,
    random: overrides.random,
  });
  const sessions = new SessionTokens(config.session, clock);
  const handlers = createSsoHandlers(config, {
    source,
    transactions,
    clock,
    logger,
    limiters: overrides.credentialLimiters,
  });
  const sso = new SsoExchangeService({
    handlers,
    sessions,
    sync: sync.service,
    dataSource: database.dataSource,
    logger,
    loginRefreshWaitMs: config.session.loginRefreshWaitMs,
  });
  const services: GraphServices = {
    dataSource: database.dataSource,
    clock,
    logger,
    sync: sync.service,
    sso,
    sessions,
    directory: config.directory,
    federation: config.federation,
  };

  const graphSchema = await buildGraphSchema({ pubSub: bus.pubSub });
  const contractSdl = printContract(graphSchema);
  const schema = toSubgraphSchema(graphSchema, contractSdl);
  const authenticator = new RequestAuthenticator(config.adminApiKeys.keys, [sessions]);
  const http = await createHttpApp({
    config,
    httpServer,
    schema,
    contractSdl,
    authenticator,
    services,
    logger,
    clock,
    timers: overrides.sessionTimers,
  });
  deps.mount(http.handler);
  return {
    database,
    sync,
    sessions,
    async stop() {
      // Work in flight finishes first; then the HTTP drain waits for requests in flight and
      // closes the sockets.
      await sync.stop();
      await http.stop();
      await bus.close();
      await database.close();
    },
  };
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
