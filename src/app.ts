import "reflect-metadata";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppConfig } from "./config/config";
import { RequestAuthenticator } from "./auth/request-authenticator";
import { Database, type DataSourceExtras } from "./db/data-source";
import { TransactionRunner } from "./db/transaction-runner";
import type { GraphServices } from "./graph/context";
import { createPubSubBundle } from "./graph/pubsub";
import { buildGraphSchema } from "./graph/schema";
import { createHttpApp, GRAPHQL_PATH } from "./http/http-app";
import { createLogger, type Logger } from "./observability/logger";
import { instrumentSource } from "./observability/instrumented-source";
import { GatewayMetrics } from "./observability/metrics";
import { observedChannel } from "./observability/observed-channel";
import { readinessReport } from "./observability/readiness";
import { databaseCheck, pubsubCheck, syncCheck } from "./observability/readiness-checks";
import { SharedSyncState } from "./observability/shared-sync-state";
import { RedisClients } from "./redis/redis-clients";
import type { AmsSource } from "./sources/ams-source";
import { createSource } from "./sources/create-source";
import { demoMultiProcessWarning } from "./sources/demo/multi-process.warning";
import type { CredentialLimiters } from "./sso/credentials/credentials.method";
import { SessionTokens } from "./sso/session/session-tokens";
import { SsoExchangeService } from "./sso/sso-exchange.service";
import { createSsoHandlers } from "./sso/sso-handlers";
import { SyncEngine } from "./sync/sync-engine";
import type { Timers } from "./sync/sync-scheduler";
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
  readonly database: Database;
  readonly httpServer: Server;
  readonly sync: SyncEngine;
  readonly sessions: SessionTokens;
  /**
   * What `/metrics` serves. `metrics.watchLeader(...)` feeds `amsgate_sync_leader` once sync
   * can say whether this process holds the poll lease (unknown until then).
   */
  readonly metrics: GatewayMetrics;
  /** Listens on `port` (default: the configured one; 0 picks a free port), then starts sync. */
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops sync, drains HTTP and WebSocket connections, closes pub/sub and the database. */
  stop(): Promise<void>;
}

/** Builds everything but the listening socket: tests build it and listen on port 0. */
export async function buildApp(config: AppConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? new SystemClock(config.timeZone);
  const demoWarning = overrides.source ? undefined : demoMultiProcessWarning(config);
  if (demoWarning !== undefined) logger.warn(demoWarning);
  const database = await Database.create(config.database, overrides.database);
  await database.open();
  const transactions = new TransactionRunner(database);

  const shared = new SharedSyncState(database.dataSource, clock);
  const metrics = new GatewayMetrics({ shared });
  const redis = config.redisUrl === null ? null : new RedisClients(config.redisUrl, logger);
  const bus = createPubSubBundle(redis && { redis, namespace: config.operations.pubsubNamespace, counters: metrics.pubsubCounters() }, logger);
  metrics.watchPubSub(() => bus.health());
  // Instrumented once, here: sync, sign-on and every other caller of the AMS are timed alike.
  const source = instrumentSource(overrides.source ?? createSource(config.source, { clock, logger, random: overrides.random }), metrics);
  const sync = new SyncEngine({
    config: config.sync,
    database,
    transactions,
    source,
    clock,
    logger,
    channel: observedChannel(bus.channel, metrics),
    timers: overrides.timers,
    random: overrides.random,
  });
  const sessions = new SessionTokens(config.session, clock);
  const { handlers, personify } = createSsoHandlers(config, {
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
  const services: GraphServices = {
    dataSource: database.dataSource,
    clock,
    logger,
    sync: sync.service,
    sso,
    sessions,
    personify,
  };

  const schema = await buildGraphSchema({ pubSub: bus.pubSub });
  const authenticator = new RequestAuthenticator(config.adminApiKeys.keys, [sessions]);
  const httpServer = createServer();
  let stopping = false;
  const isReady = async () => !stopping && (await database.isReady());
  const http = await createHttpApp({
    config,
    httpServer,
    schema,
    authenticator,
    services,
    logger,
    clock,
    timers: overrides.sessionTimers,
    isReady,
    readiness: () =>
      readinessReport(
        databaseCheck(isReady),
        [syncCheck(shared, config.operations.readiness.maxPollLagMs), pubsubCheck(() => bus.health())],
        (check, error) => logger.warn({ err: error, check }, "readiness check failed"),
      ),
    metrics,
  });

  return {
    config,
    logger,
    database,
    httpServer,
    sync,
    sessions,
    metrics,
    async start(port = config.port, host?: string) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve();
        });
      });
      sync.start();
      const address = httpServer.address() as AddressInfo;
      return { port: address.port, url: `http://${host ?? "localhost"}:${address.port}${GRAPHQL_PATH}` };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      // Work in flight finishes first; then the HTTP drain waits for requests in flight and
      // closes the sockets.
      await sync.stop();
      await http.stop();
      await bus.close();
      await redis?.close();
      await database.close();
    },
  };
}
