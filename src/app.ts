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
import { instrumentSource } from "./observability/instrumented-source";
import { GatewayMetrics } from "./observability/metrics";
import { observedChannel } from "./observability/observed-channel";
import { readinessReport, type ReadinessReport } from "./observability/readiness";
import { cacheOfRecordCheck, databaseCheck, pubsubCheck, supergraphCheck, syncCheck } from "./observability/readiness-checks";
import { SharedSyncState } from "./observability/shared-sync-state";
import { RedisClients } from "./redis/redis-clients";
import type { AmsSource } from "./sources/ams-source";
import { createSource } from "./sources/create-source";
import { demoMultiProcessWarning } from "./sources/demo/multi-process.warning";
import type { CredentialLimiters } from "./sso/credentials/credentials.method";
import { hasBrowserProviders } from "./config/browser-sso.config";
import { createBrowserLoginMethods } from "./sso/browser/browser-login-methods";
import { BrowserSignOn } from "./sso/browser/browser-sign-on";
import { DatabaseReplayGuard } from "./sso/replay/database-replay.guard";
import { DatabaseSessionRevocations } from "./sso/session/session-revocations";
import { SessionTokens } from "./sso/session/session-tokens";
import { SsoExchangeService } from "./sso/sso-exchange.service";
import { createSsoHandlers } from "./sso/sso-handlers";
import { createSync, type Sync } from "./sync/create-sync";
import { createWriteback, type Writeback } from "./writeback/create-writeback";
import { readCachedRecords } from "./sync/cached-records";
import { MemberEditor } from "./imports/member-editor";
import type { Timers } from "./time/timers";
import { type Clock, SystemClock } from "./time/clock";

export { GRAPHQL_PATH };

/** What tests and benchmarks may swap; production uses the defaults. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  database?: DataSourceExtras;
  source?: AmsSource;
  /** The sync scheduler's timers (and the writeback dispatcher's, unless `writebackTimers` is given). */
  timers?: Timers;
  /** The writeback dispatcher's timers. */
  writebackTimers?: Timers;
  /** Timers that close WebSocket connections when their session expires. */
  sessionTimers?: Timers;
  /** Timers of the built-in gateway's scheduled recomposition. */
  supergraphTimers?: Timers;
  random?: () => number;
  credentialLimiters?: CredentialLimiters;
  /** Sync is driven by hand with the scheduler off (see SyncDeps.drivenByHand). */
  syncDrivenByHand?: boolean;
}

export interface App {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly httpServer: Server;
  /** `database`, `sync` and `sessions` exist once `start()` has resolved. */
  readonly database: Database;
  readonly sync: Sync;
  readonly sessions: SessionTokens;
  /** The writeback outbox and its dispatcher (once `start()` has resolved). */
  readonly writeback: Writeback;
  /**
   * What `/metrics` serves (once `start()` has resolved); `amsgate_sync_leader` follows the
   * leader lease.
   */
  readonly metrics: GatewayMetrics;
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
  writeback: Writeback;
  sessions: SessionTokens;
  metrics: GatewayMetrics;
  readiness(): Promise<ReadinessReport>;
  stop(): Promise<void>;
}

/** Builds everything that needs no database; `start()` does the rest. Tests listen on port 0. */
export async function buildApp(config: AppConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? new SystemClock(config.timeZone);
  const demoWarning = overrides.source ? undefined : demoMultiProcessWarning(config);
  if (demoWarning !== undefined) logger.warn(demoWarning);
  const httpServer = createServer();
  const abort = new AbortController();
  let stopping = false;
  let waitingFor = "the database is being opened";
  let running: Running | undefined;
  const readiness = async (): Promise<ReadinessReport> => {
    if (stopping) return { ready: false, reasons: ["shutting down"], checks: {} };
    if (!running) return { ready: false, reasons: [waitingFor], checks: {} };
    return running.readiness();
  };
  const frontDoor = createFrontDoor({ isReady: async () => (await readiness()).ready, report: readiness }, logger);
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
        logger.warn(
          { database: databaseTarget(config.database), attempt, retryInMs: delayMs, reason: error.message },
          "database unreachable; retrying",
        );
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
    get writeback() {
      return need().writeback;
    },
    get metrics() {
      return need().metrics;
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
      running.writeback.start();
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
  const shared = new SharedSyncState(database.dataSource, clock);
  const metrics = new GatewayMetrics({ shared });
  const redis = config.redisUrl === null ? null : new RedisClients(config.redisUrl, logger);
  const bus = createPubSubBundle(
    redis && { redis, namespace: config.operations.pubsubNamespace, counters: metrics.pubsubCounters() },
    logger,
  );
  metrics.watchPubSub(() => bus.health());
  // Instrumented once, here: sync, sign-on and every other caller of the AMS are timed alike.
  const spreadsheet = config.source.kind === "spreadsheet";
  const cachedMembers = (keys: readonly string[]) => readCachedRecords(database.dataSource, keys);
  const source = instrumentSource(
    overrides.source ?? createSource(config.source, { clock, logger, random: overrides.random, cachedMembers }),
    metrics,
  );
  const sync = createSync({
    config: config.sync,
    database,
    transactions,
    source,
    clock,
    logger,
    channel: observedChannel(bus.channel, metrics),
    timers: overrides.timers,
    random: overrides.random,
    polls: !spreadsheet,
    drivenByHand: overrides.syncDrivenByHand,
  });
  metrics.watchLeader(async () => sync.internals.leadership.isLeader);
  const writeback = createWriteback({
    config: config.writeback,
    timeZone: config.timeZone,
    database,
    transactions,
    source,
    clock,
    logger,
    channel: bus.channel,
    timers: overrides.writebackTimers ?? overrides.timers,
    random: overrides.random,
  });
  const sessions = new SessionTokens(config.session, clock, new DatabaseSessionRevocations(transactions, clock));
  const handlers = createSsoHandlers(config, {
    source,
    transactions,
    clock,
    logger,
    limiters: overrides.credentialLimiters,
    sharedLimits: redis ? { client: redis.commands, namespace: config.operations.pubsubNamespace } : undefined,
  });
  const sso = new SsoExchangeService({
    handlers,
    sessions,
    sync: sync.service,
    dataSource: database.dataSource,
    logger,
    loginRefreshWaitMs: config.session.loginRefreshWaitMs,
  });
  const sealing = config.session.keys[0];
  const browserSignOn =
    hasBrowserProviders(config.browserSso) && sealing
      ? new BrowserSignOn(config.browserSso, {
          methods: createBrowserLoginMethods(config.browserSso, {
            resolver: sso,
            assertionGuard: new DatabaseReplayGuard(transactions, clock, "saml-assertion"),
            clock,
            logger,
          }),
          sso,
          secret: sealing.secret,
          replayGuard: new DatabaseReplayGuard(transactions, clock, "login-state"),
          clock,
          logger,
        })
      : undefined;
  const services: GraphServices = {
    dataSource: database.dataSource,
    clock,
    logger,
    sync: sync.service,
    memberEditor: new MemberEditor({ sync: sync.service, dataSource: database.dataSource, cacheIsSourceOfRecord: spreadsheet }),
    sso,
    sessions,
    directory: config.directory,
    federation: config.federation,
    writeback: writeback.service,
    pubSub: bus.pubSub,
  };

  const graphSchema = await buildGraphSchema({ pubSub: bus.pubSub });
  const contractSdl = printContract(graphSchema);
  const schema = toSubgraphSchema(graphSchema, contractSdl);
  const authenticator = new RequestAuthenticator(config.adminApiKeys.keys, [sessions], config.lmsApiKeys);
  const isReady = () => database.isReady();
  const http = await createHttpApp({
    config,
    httpServer,
    schema,
    contractSdl,
    authenticator,
    services,
    logger,
    clock,
    transactions,
    timers: overrides.sessionTimers,
    ...(overrides.supergraphTimers ? { supergraphTimers: overrides.supergraphTimers } : {}),
    metrics,
    browserSignOn,
  });
  deps.mount(http.handler);
  return {
    database,
    sync,
    writeback,
    sessions,
    metrics,
    readiness: () =>
      readinessReport(
        databaseCheck(isReady),
        [
          spreadsheet ? cacheOfRecordCheck() : syncCheck(shared, config.operations.readiness.maxPollLagMs),
          pubsubCheck(() => bus.health()),
          ...(http.composition ? [supergraphCheck(http.composition)] : []),
        ],
        (check, error) => logger.warn({ err: error, check }, "readiness check failed"),
      ),
    async stop() {
      // Work in flight finishes first; then the HTTP drain waits for requests in flight and
      // closes the sockets.
      await writeback.stop();
      await sync.stop();
      await http.stop();
      await bus.close();
      await redis?.close();
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
