import { createHash } from "node:crypto";
import path from "node:path";
import type { EnvReader } from "./env-readers";

/** What several gateway processes on one database and one Redis need to agree on, and how they are watched. */
export interface OperationsConfig {
  /**
   * The deployment namespace: every Redis channel and key this gateway uses starts with it, and
   * every pub/sub message carries it, so deployments sharing one Redis never see each other.
   */
  pubsubNamespace: string;
  metrics: MetricsConfig;
  readiness: ReadinessConfig;
}

export interface MetricsConfig {
  /** Bearer token `GET /metrics` requires; null: none. Secret. */
  token: string | null;
  /** With no token in production, `/metrics` answers only direct loopback callers. */
  loopbackOnly: boolean;
}

export interface ReadinessConfig {
  /** Longest time since the last successful members poll before `/readyz` says 503; 0 turns the check off. */
  maxPollLagMs: number;
}

/** The subset of the database settings a default namespace is derived from. */
export type NamespaceSource = { kind: "mysql"; url: string } | { kind: "sqlite"; file: string };

const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MIN_METRICS_TOKEN_LENGTH = 16;

/**
 * A short, stable name for the database this gateway caches into: its host, port and database
 * name (never the user or password), or the SQLite file's absolute path. Processes on one
 * database share it; processes on different databases differ.
 */
export function defaultPubSubNamespace(database: NamespaceSource): string {
  let identity: string;
  if (database.kind === "mysql") {
    const url = new URL(database.url);
    identity = `mysql://${url.hostname.toLowerCase()}:${url.port || "3306"}/${decodeURIComponent(url.pathname.replace(/^\//, ""))}`;
  } else {
    identity = `sqlite:${path.resolve(database.file)}`;
  }
  return `db-${createHash("sha256").update(identity).digest("hex").slice(0, 12)}`;
}

export function readOperationsConfig(
  read: EnvReader,
  context: { production: boolean; database: NamespaceSource; refreshIntervalMs: number },
): OperationsConfig {
  return {
    pubsubNamespace: readNamespace(read, context.database),
    metrics: readMetrics(read, context.production),
    readiness: {
      // Three missed polls in a row: one slow poll or a short AMS outage does not take the gateway out.
      maxPollLagMs: read.durationMs("READINESS_MAX_POLL_LAG", 3 * context.refreshIntervalMs),
    },
  };
}

function readNamespace(read: EnvReader, database: NamespaceSource): string {
  const configured = read.optionalString("PUBSUB_NAMESPACE");
  if (configured === undefined) return defaultPubSubNamespace(database);
  if (!NAMESPACE_PATTERN.test(configured)) {
    read.problem(`PUBSUB_NAMESPACE must be 1-64 letters, digits, ".", "_" or "-" (got "${configured}")`);
  }
  return configured;
}

function readMetrics(read: EnvReader, production: boolean): MetricsConfig {
  const token = read.optionalString("METRICS_TOKEN") ?? null;
  if (token !== null && token.length < MIN_METRICS_TOKEN_LENGTH) {
    read.problem(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  }
  return { token, loopbackOnly: production && token === null };
}
