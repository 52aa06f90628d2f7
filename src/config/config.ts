import { randomBytes } from "node:crypto";
import path from "node:path";
import { ConfigError } from "./config.error";
import { isValidTimeZone } from "../time/clock";
import { EnvReader } from "./env-readers";
import { type DirectoryConfig, readDirectoryConfig } from "./directory.config";
import { redactImisConfig } from "./imis.config";
import { type FederationConfig, readFederationConfig } from "./federation.config";
import { readSyncConfig, type SyncConfig } from "./sync.config";
import { readWritebackConfig, type WritebackConfig } from "./writeback.config";
import { readSsoConfig, redactSsoConfig, type SsoConfig } from "./sso.config";
import { readSessionConfig, type SessionConfig } from "./session.config";
import { redactPersonifyConfig } from "./personify-source.config";
import { type OperationsConfig, readOperationsConfig } from "./operations.config";
import { type IngestConfig, readIngestConfig, redactIngestConfig } from "./ingest.config";
import { type ImportConfig, readImportConfig } from "./import.config";
import { type BrowserSsoConfig, hasBrowserProviders, readBrowserSsoConfig, redactBrowserSsoConfig } from "./browser-sso.config";
import {
  type DemoAmsConfig,
  type DemoConfig,
  readDemoAmsConfig,
  readDemoConfig,
  readSourceConfig,
  type SourceConfig,
} from "./source.config";

export const NODE_ENVS = ["development", "production", "test"] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type DatabaseConfig = { kind: "mysql"; url: string } | { kind: "sqlite"; file: string };

/** How start-up waits for a database server that does not answer yet. */
export interface DatabaseRetryConfig {
  /** First wait after a failed attempt; waits grow exponentially (with jitter) from here. */
  baseMs: number;
  /** Longest single wait. */
  maxMs: number;
  /** Give up (exit 1) when the database has not answered for this long; 0 tries once. */
  giveUpAfterMs: number;
}

export interface AdminKeysConfig {
  keys: string[];
  /** True when no key was configured and one was generated for this development run. */
  generated: boolean;
}

/** How large one GraphQL operation may be. */
export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
}

export interface GraphqlConfig {
  /** Anonymous callers, members and staff. */
  limits: QueryLimits;
  /** Admin API keys and sessions of admins. */
  adminLimits: QueryLimits;
  /** Strip "Did you mean …" suggestions from every error message (production). */
  hideSchemaDetails: boolean;
  introspection: boolean;
  /** Serve Apollo Sandbox at /graphql to browsers. */
  sandbox: boolean;
  /** Run queries and mutations as compiled operations (graphql-jit), cached per document. */
  compile: boolean;
  /**
   * Answer JSON POSTs of queries that run without an error on the query lane (no express router
   * or Apollo pipeline); everything else, and any answer with an error, stays with Apollo.
   */
  queryLane: boolean;
}

export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  logLevel: LogLevel;
  database: DatabaseConfig;
  databaseRetry: DatabaseRetryConfig;
  adminApiKeys: AdminKeysConfig;
  /** Keys of systems in the LMS role (learning systems writing completions back); secret. */
  lmsApiKeys: string[];
  /** How long shutdown waits for open requests and sockets before closing them. */
  shutdownGraceMs: number;
  /** IANA zone whose calendar membership begin/end dates are read in. */
  timeZone: string;
  graphql: GraphqlConfig;
  source: SourceConfig;
  sync: SyncConfig;
  /** Sign-on methods; each is undefined unless configured. */
  sso: SsoConfig;
  /** Sessions, and the sign-on methods that lean on the AMS source. */
  session: SessionConfig;
  /** Browser sign-on through OAuth 2.0 / OpenID Connect redirects. */
  browserSso: BrowserSsoConfig;
  /** Who may list which rosters. */
  directory: DirectoryConfig;
  /** Carries pub/sub between gateway processes; unset keeps pub/sub in-process. */
  redisUrl: string | null;
  /** The push API and the change webhook. */
  ingest: IngestConfig;
  /** CSV imports. */
  imports: ImportConfig;
  /** Express "trust proxy": hops of X-Forwarded-For to believe for the client address. */
  trustProxy: number;
  /** Deployment namespace on Redis, `/metrics` access and readiness thresholds. */
  operations: OperationsConfig;
  /** Serving as an Apollo Federation subgraph. */
  federation: FederationConfig;
  /** Completions from a learning system, sent on to the AMS. */
  writeback: WritebackConfig;
}

const DEFAULT_SQLITE_FILE = path.join("data", "amsgate.sqlite");

/**
 * Reads and validates the whole configuration once, from the environment `main` passes in (with
 * `.env` beneath it: `withEnvFile`). Every bad variable is named in one {@link ConfigError}.
 */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const read = new EnvReader(env);
  const nodeEnv = read.oneOf("NODE_ENV", NODE_ENVS, "development");
  const source = readSourceConfig(read);
  const database = readDatabase(read);
  const sync = readSyncConfig(read, source.kind);
  const session = readSessionConfig(read, nodeEnv === "production");
  const config: AppConfig = {
    nodeEnv,
    port: read.int("PORT", 4000, 0, 65535),
    logLevel: read.oneOf("LOG_LEVEL", LOG_LEVELS, nodeEnv === "test" ? "silent" : "info"),
    database,
    databaseRetry: {
      baseMs: read.durationMs("DATABASE_RETRY_BASE", 1_000, 1),
      maxMs: read.durationMs("DATABASE_RETRY_MAX", 30_000, 1),
      giveUpAfterMs: read.durationMs("DATABASE_RETRY_FOR", 5 * 60_000),
    },
    adminApiKeys: readAdminKeys(read, nodeEnv),
    lmsApiKeys: readServiceKeys(read, "LMS_API_KEYS"),
    shutdownGraceMs: read.durationMs("SHUTDOWN_GRACE", 10_000),
    timeZone: readTimeZone(read),
    graphql: {
      limits: readQueryLimits(read, "QUERY_", { maxDepth: 6, maxCost: 10_000, maxAliases: 15, maxTokens: 1_000 }),
      adminLimits: readQueryLimits(read, "QUERY_ADMIN_", { maxDepth: 10, maxCost: 200_000, maxAliases: 30, maxTokens: 5_000 }),
      hideSchemaDetails: nodeEnv === "production",
      introspection: read.bool("GRAPHQL_INTROSPECTION", nodeEnv !== "production"),
      sandbox: read.bool("GRAPHQL_SANDBOX", nodeEnv !== "production"),
      compile: read.bool("GRAPHQL_COMPILE", true),
      queryLane: read.bool("GRAPHQL_QUERY_LANE", true),
    },
    source,
    sync,
    sso: readSsoConfig(read),
    session,
    browserSso: readBrowserSsoConfig(read, nodeEnv === "production", session.maxAgeMs),
    directory: readDirectoryConfig(read),
    redisUrl: read.url("REDIS_URL", ["redis:", "rediss:"])?.toString() ?? null,
    trustProxy: read.int("TRUST_PROXY", 0, 0, 10),
    operations: readOperationsConfig(read, { production: nodeEnv === "production", database, refreshIntervalMs: sync.refreshIntervalMs }),
    ingest: readIngestConfig(read),
    imports: readImportConfig(read),
    federation: readFederationConfig(read, nodeEnv === "production"),
    writeback: readWritebackConfig(read, sync.enabled),
  };
  const signOn = hasSignOnMethod(config);
  if (signOn && config.session.keys.length === 0) {
    read.problem("SESSION_SIGNING_KEYS is required in production when a sign-on method is enabled");
  }
  checkSessionVariableResolvers(read, config);
  checkLeaseOutlivesAmsCall(read, config);
  checkSpreadsheetSignOn(read, config);
  if (nodeEnv === "production") checkProductionStart(read, config, signOn);
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/** Each session-variable provider names a resolver that is configured on its own. */
function checkSessionVariableResolvers(read: EnvReader, config: AppConfig): void {
  const { browserSso, sso, session } = config;
  for (const provider of browserSso.sessionVariableProviders) {
    const prefix = `REDIRECT_${provider.name.toUpperCase().replace(/-/g, "_")}_RESOLVE`;
    if (provider.resolver === "preshared-key" && !sso.presharedKey) read.problem(`${prefix}=preshared-key needs SSO_PRESHARED_KEYS`);
    if (provider.resolver === "web-service" && !session.webServiceEnabled)
      read.problem(`${prefix}=web-service needs SSO_WEB_SERVICE_ENABLED=true (and an AMS that resolves sign-on tokens)`);
    if (provider.resolver === "personify") {
      if (!sso.personify) read.problem(`${prefix}=personify needs the PERSONIFY_* sign-on settings`);
      else if (browserSso.publicUrl && !sso.personify.returnUrlOrigins.includes(new URL(browserSso.publicUrl).origin))
        read.problem(
          `${prefix}=personify: PERSONIFY_RETURN_URL_ORIGINS must include the origin of AUTH_PUBLIC_URL (Personify returns there)`,
        );
    }
  }
}

/**
 * A refresh lease must outlive one AMS answer: a worker that loses its lease while the AMS is
 * still answering hands its members to another worker, which meets the same slow AMS, and so on.
 */
function checkLeaseOutlivesAmsCall(read: EnvReader, config: AppConfig): void {
  const settings = Object.values(config.source).find(
    (value): value is { timeoutMs: number } =>
      typeof value === "object" && value !== null && typeof (value as { timeoutMs?: unknown }).timeoutMs === "number",
  );
  if (!settings) return;
  if (config.sync.leaseMs <= settings.timeoutMs) {
    read.problem(
      `REFRESH_LEASE (${config.sync.leaseMs} ms) must be longer than the AMS timeout (${settings.timeoutMs} ms): a worker must outlive one AMS answer`,
    );
  }
  if (config.writeback.leaseMs <= settings.timeoutMs) {
    read.problem(
      `WRITEBACK_LEASE (${config.writeback.leaseMs} ms) must be longer than the AMS timeout (${settings.timeoutMs} ms): a sender must outlive one AMS answer`,
    );
  }
}

/** `<prefix>MAX_DEPTH`, `…MAX_COST`, `…MAX_ALIASES`, `…MAX_TOKENS`; the defaults are measured in README. */
function readQueryLimits(read: EnvReader, prefix: string, defaults: QueryLimits): QueryLimits {
  return {
    maxDepth: read.int(`${prefix}MAX_DEPTH`, defaults.maxDepth, 2, 100),
    maxCost: read.int(`${prefix}MAX_COST`, defaults.maxCost, 100, 10_000_000),
    maxAliases: read.int(`${prefix}MAX_ALIASES`, defaults.maxAliases, 1, 1_000),
    maxTokens: read.int(`${prefix}MAX_TOKENS`, defaults.maxTokens, 100, 100_000),
  };
}

/** With no AMS there is nothing to check a password or an AMS token against: say so at start. */
function checkSpreadsheetSignOn(read: EnvReader, config: AppConfig): void {
  if (config.source.kind !== "spreadsheet") return;
  const needAms = [
    config.session.credentialsEnabled && "SSO_CREDENTIALS_ENABLED",
    config.session.webServiceEnabled && "SSO_WEB_SERVICE_ENABLED",
    config.sso.personify && "the Personify sign-on (PERSONIFY_SSO_*)",
  ].filter((name): name is string => typeof name === "string");
  for (const name of needAms) {
    read.problem(`${name} signs members on against the AMS, and AMS_SOURCE=spreadsheet has none (pre-shared-key and OIDC sign-on work)`);
  }
}

function hasSignOnMethod(config: AppConfig): boolean {
  const { sso, session } = config;
  return (
    Boolean(sso.presharedKey ?? sso.personify ?? sso.oidc) ||
    session.credentialsEnabled ||
    session.webServiceEnabled ||
    hasBrowserProviders(config.browserSso)
  );
}

/**
 * Production must not start by accident on what only suits a trial: the simulated association
 * (chosen by default, so it must be asked for by name) or a gateway nobody can administer.
 */
function checkProductionStart(read: EnvReader, config: AppConfig, signOn: boolean): void {
  if (read.raw("AMS_SOURCE") === undefined) {
    read.problem(
      "AMS_SOURCE is not set, and NODE_ENV=production does not default to the demo association: " +
        "set AMS_SOURCE=rest with AMS_URL and AMS_API_KEY for a real AMS, or AMS_SOURCE=demo to serve the demo on purpose",
    );
  }
  const adminSignOn = signOn && config.sync.rules.adminGroups.length > 0;
  if (config.adminApiKeys.keys.length === 0 && !adminSignOn) {
    read.problem(
      "ADMIN_API_KEYS is not set, and NODE_ENV=production needs a way to administer the gateway: " +
        "set ADMIN_API_KEYS (24+ characters each), or SYNC_ADMIN_GROUPS together with a sign-on method " +
        "(SSO_PRESHARED_KEYS, PERSONIFY_*, OIDC_ISSUER/OIDC_AUDIENCE, SSO_CREDENTIALS_ENABLED or SSO_WEB_SERVICE_ENABLED)",
    );
  }
}

function readDatabase(read: EnvReader): DatabaseConfig {
  const url = read.url("DATABASE_URL", ["mysql:", "mariadb:"]);
  if (url !== undefined) return { kind: "mysql", url: url.toString() };
  return { kind: "sqlite", file: read.string("SQLITE_FILE", DEFAULT_SQLITE_FILE) };
}

function readTimeZone(read: EnvReader): string {
  const zone = read.string("ASSOCIATION_TIME_ZONE", "UTC");
  if (isValidTimeZone(zone)) return zone;
  read.problem(`ASSOCIATION_TIME_ZONE must be an IANA time zone such as America/Chicago (got "${zone}")`);
  return "UTC";
}

const MIN_ADMIN_KEY_LENGTH = 24;

/** A comma-separated list of API keys, each long enough not to be guessed; values never echoed. */
function readServiceKeys(read: EnvReader, name: string): string[] {
  const keys = read.list(name);
  keys.forEach((key, index) => {
    if (key.length < MIN_ADMIN_KEY_LENGTH) read.problem(`${name} entry ${index + 1} is shorter than ${MIN_ADMIN_KEY_LENGTH} characters`);
  });
  return keys;
}

function readAdminKeys(read: EnvReader, nodeEnv: NodeEnv): AdminKeysConfig {
  const keys = readServiceKeys(read, "ADMIN_API_KEYS");
  if (keys.length > 0 || nodeEnv !== "development") return { keys, generated: false };
  // Development with no key: make one so Sandbox users can paste it; printed once at start.
  return { keys: [`dev-${randomBytes(24).toString("base64url")}`], generated: true };
}

/** A copy safe to log: passwords in URLs and every secret replaced. */
export function redactConfig(config: AppConfig): Record<string, unknown> {
  return {
    ...config,
    database: config.database.kind === "mysql" ? { kind: "mysql", url: redactUrl(config.database.url) } : config.database,
    adminApiKeys: { count: config.adminApiKeys.keys.length, generated: config.adminApiKeys.generated },
    lmsApiKeys: { count: config.lmsApiKeys.length },
    source: redactSource(config.source),
    sso: redactSsoConfig(config.sso),
    session: { ...config.session, keys: config.session.keys.map((key) => ({ id: key.id, secret: "***" })) },
    browserSso: redactBrowserSsoConfig(config.browserSso),
    redisUrl: config.redisUrl === null ? null : redactUrl(config.redisUrl),
    operations: {
      ...config.operations,
      metrics: { ...config.operations.metrics, token: config.operations.metrics.token === null ? null : "***" },
    },
    ingest: redactIngestConfig(config.ingest),
    federation: {
      ...config.federation,
      gatewayKeys: config.federation.gatewayKeys.map(() => "***"),
      ...(config.federation.gateway ? { gateway: { ...config.federation.gateway, identityKey: "***" } } : {}),
    },
  };
}

function redactSource(source: SourceConfig): Record<string, unknown> {
  if (source.kind === "rest") return { kind: "rest", rest: { ...source.rest, url: redactUrl(source.rest.url), apiKey: "***" } };
  if (source.kind === "imis") return { kind: "imis", imis: { ...redactImisConfig(source.imis), url: redactUrl(source.imis.url) } };
  if (source.kind === "personify") return { kind: "personify", personify: redactPersonifyConfig(source.personify, redactUrl) };
  return source;
}

export function redactUrl(text: string): string {
  const url = new URL(text);
  if (url.password !== "") url.password = "***";
  return url.toString();
}

export interface DemoAmsProcessConfig {
  logLevel: LogLevel;
  demo: DemoConfig;
  server: DemoAmsConfig;
}

/** Configuration of `npm run demo-ams`, the simulated AMS served over HTTP. */
export function loadDemoAmsConfig(env: Record<string, string | undefined> = process.env): DemoAmsProcessConfig {
  const read = new EnvReader(env);
  const config = {
    logLevel: read.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    demo: readDemoConfig(read),
    server: readDemoAmsConfig(read),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
