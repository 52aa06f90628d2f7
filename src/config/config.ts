import { randomBytes } from "node:crypto";
import path from "node:path";
import { ConfigError } from "./config.error";
import { isValidTimeZone } from "../time/clock";
import { EnvReader } from "./env-readers";
import { readSyncConfig, type SyncConfig } from "./sync.config";
import { readSsoConfig, redactSsoConfig, type SsoConfig } from "./sso.config";
import { readSessionConfig, type SessionConfig } from "./session.config";
import { type OperationsConfig, readOperationsConfig } from "./operations.config";
import { type DemoAmsConfig, type DemoConfig, readDemoAmsConfig, readDemoConfig, readSourceConfig, type SourceConfig } from "./source.config";

export const NODE_ENVS = ["development", "production", "test"] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type DatabaseConfig =
  | { kind: "mysql"; url: string }
  | { kind: "sqlite"; file: string };

export interface AdminKeysConfig {
  keys: string[];
  /** True when no key was configured and one was generated for this development run. */
  generated: boolean;
}

export interface GraphqlConfig {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  blockFieldSuggestions: boolean;
  introspection: boolean;
  /** Serve Apollo Sandbox at /graphql to browsers. */
  sandbox: boolean;
}

export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  logLevel: LogLevel;
  database: DatabaseConfig;
  adminApiKeys: AdminKeysConfig;
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
  /** Carries pub/sub between gateway processes; unset keeps pub/sub in-process. */
  redisUrl: string | null;
  /** Express "trust proxy": hops of X-Forwarded-For to believe for the client address. */
  trustProxy: number;
  /** Deployment namespace on Redis, `/metrics` access and readiness thresholds. */
  operations: OperationsConfig;
}

const DEFAULT_SQLITE_FILE = path.join("data", "amsgate.sqlite");

/**
 * Reads and validates the whole configuration once. Every bad variable is named in one
 * {@link ConfigError}; nothing else in the program reads `process.env`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const read = new EnvReader(env);
  const nodeEnv = read.oneOf("NODE_ENV", NODE_ENVS, "development");
  const source = readSourceConfig(read);
  const database = readDatabase(read);
  const sync = readSyncConfig(read, source.kind);
  const config: AppConfig = {
    nodeEnv,
    port: read.int("PORT", 4000, 0, 65535),
    logLevel: read.oneOf("LOG_LEVEL", LOG_LEVELS, nodeEnv === "test" ? "silent" : "info"),
    database,
    adminApiKeys: readAdminKeys(read, nodeEnv),
    shutdownGraceMs: read.durationMs("SHUTDOWN_GRACE", 10_000),
    timeZone: readTimeZone(read),
    graphql: {
      maxDepth: read.int("QUERY_MAX_DEPTH", 14, 2, 100),
      maxCost: read.int("QUERY_MAX_COST", 50_000, 100, 10_000_000),
      maxAliases: read.int("QUERY_MAX_ALIASES", 30, 1, 1_000),
      maxTokens: read.int("QUERY_MAX_TOKENS", 2_000, 100, 100_000),
      blockFieldSuggestions: nodeEnv === "production",
      introspection: read.bool("GRAPHQL_INTROSPECTION", nodeEnv !== "production"),
      sandbox: read.bool("GRAPHQL_SANDBOX", nodeEnv !== "production"),
    },
    source,
    sync,
    sso: readSsoConfig(read),
    session: readSessionConfig(read, nodeEnv === "production"),
    redisUrl: read.url("REDIS_URL", ["redis:", "rediss:"])?.toString() ?? null,
    trustProxy: read.int("TRUST_PROXY", 0, 0, 10),
    operations: readOperationsConfig(read, { production: nodeEnv === "production", database, refreshIntervalMs: sync.refreshIntervalMs }),
  };
  const signOn = config.sso.presharedKey ?? config.sso.personify ?? config.sso.oidc;
  if ((signOn || config.session.credentialsEnabled || config.session.webServiceEnabled) && config.session.keys.length === 0) {
    read.problem("SESSION_SIGNING_KEYS is required in production when a sign-on method is enabled");
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
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

function readAdminKeys(read: EnvReader, nodeEnv: NodeEnv): AdminKeysConfig {
  const keys = read.list("ADMIN_API_KEYS");
  keys.forEach((key, index) => {
    if (key.length < MIN_ADMIN_KEY_LENGTH) {
      read.problem(`ADMIN_API_KEYS entry ${index + 1} is shorter than ${MIN_ADMIN_KEY_LENGTH} characters`);
    }
  });
  if (keys.length > 0 || nodeEnv !== "development") return { keys, generated: false };
  // Development with no key: make one so Sandbox users can paste it; printed once at start.
  return { keys: [`dev-${randomBytes(24).toString("base64url")}`], generated: true };
}

/** A copy safe to log: passwords in URLs and every secret replaced. */
export function redactConfig(config: AppConfig): Record<string, unknown> {
  return {
    ...config,
    database:
      config.database.kind === "mysql"
        ? { kind: "mysql", url: redactUrl(config.database.url) }
        : config.database,
    adminApiKeys: { count: config.adminApiKeys.keys.length, generated: config.adminApiKeys.generated },
    source:
      config.source.kind === "rest"
        ? { kind: "rest", rest: { ...config.source.rest, url: redactUrl(config.source.rest.url), apiKey: "***" } }
        : config.source,
    sso: redactSsoConfig(config.sso),
    session: { ...config.session, keys: config.session.keys.map((key) => ({ id: key.id, secret: "***" })) },
    redisUrl: config.redisUrl === null ? null : redactUrl(config.redisUrl),
    operations: { ...config.operations, metrics: { ...config.operations.metrics, token: config.operations.metrics.token === null ? null : "***" } },
  };
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
