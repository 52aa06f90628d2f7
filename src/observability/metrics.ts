import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PubSubCounters } from "../redis/redis-event-target";
import type { SharedSyncState } from "./shared-sync-state";

/** Seconds, from a few milliseconds (a cached page) to a minute (a slow AMS batch). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds, for whole sync runs: a single member to a full load. */
const RUN_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

export interface WebSocketStats {
  connections: number;
  subscriptions: number;
}

/**
 * Every metric the gateway exports at `/metrics`, in its own registry (tests build several apps in
 * one process). Counters and histograms count what this process did; the gauges of shared state
 * (queue depth, dead letters, poll lag) are read from the database at each scrape, so every
 * process reports the same truth, never what it last saw.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly amsDuration = new Histogram({
    name: "amsgate_ams_request_duration_seconds",
    help: "AMS calls by operation (changedMembers and changedEvents: per page).",
    labelNames: ["operation"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly amsErrors = new Counter({
    name: "amsgate_ams_errors_total",
    help: "AMS calls that failed, by operation and SourceError code.",
    labelNames: ["operation", "code"] as const,
    registers: [this.registry],
  });
  readonly memberRefreshes = new Counter({
    name: "amsgate_member_refreshes_total",
    help: "Members fetched from the AMS for refresh by this process, by outcome (fetched, missing, invalid).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly memberChanges = new Counter({
    name: "amsgate_member_changes_total",
    help: "Member refreshes by this process that changed the cache, by kind (CREATED, UPDATED, DISABLED).",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly syncRuns = new Counter({
    name: "amsgate_sync_runs_total",
    help: "Sync runs finished by this process, by kind and status.",
    labelNames: ["kind", "status"] as const,
    registers: [this.registry],
  });
  readonly syncRunDuration = new Histogram({
    name: "amsgate_sync_run_duration_seconds",
    help: "Duration of the sync runs finished by this process, start to end, by kind and status.",
    labelNames: ["kind", "status"] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  readonly graphqlOperations = new Counter({
    name: "amsgate_graphql_operations_total",
    help: "GraphQL operations over HTTP by operation name, type and outcome (ok, error).",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [this.registry],
  });
  readonly graphqlDuration = new Histogram({
    name: "amsgate_graphql_operation_duration_seconds",
    help: "GraphQL operations over HTTP, request to response, by operation name and type.",
    labelNames: ["operation", "type"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly graphqlLane = new Counter({
    name: "amsgate_graphql_query_lane_total",
    help: "JSON POSTs to the graph: answered on the query lane, or handed over to Apollo Server (anything else, and any answer with an error).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({
    name: "amsgate_pubsub_publish_failures_total",
    help: "Events Redis did not take (the connection dropped while publishing).",
    registers: [this.registry],
  });
  readonly localDeliveries = new Counter({
    name: "amsgate_pubsub_local_deliveries_total",
    help: "Events published while Redis was away: delivered to this process's subscribers only.",
    registers: [this.registry],
  });
  readonly foreignMessages = new Counter({
    name: "amsgate_pubsub_foreign_messages_total",
    help: "Messages on this deployment's channels that were not its own (another namespace, or no envelope): dropped.",
    registers: [this.registry],
  });

  private webSockets: () => WebSocketStats = () => ({ connections: 0, subscriptions: 0 });
  private leader: (() => Promise<boolean>) | undefined;

  constructor(options: { shared?: SharedSyncState; defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.gauges();
    if (options.shared) registerSharedStateGauges(this.registry, options.shared);
  }

  /** The WebSocket server's live counts, read at each scrape. */
  watchWebSockets(stats: () => WebSocketStats): void {
    this.webSockets = stats;
  }

  /** Whether this process holds the poll lease; until one is given, `amsgate_sync_leader` is NaN (unknown). */
  watchLeader(isLeader: () => Promise<boolean>): void {
    this.leader = isLeader;
  }

  /** Pub/sub over Redis: `amsgate_pubsub_redis_up` is 1 when `ok`, 0 when `degraded`; absent in-process. */
  watchPubSub(health: () => string): void {
    if (health() === "in-process") return;
    new Gauge({
      name: "amsgate_pubsub_redis_up",
      help: "1 while both Redis connections are up, 0 while either is down.",
      registers: [this.registry],
      collect() {
        this.set(health() === "ok" ? 1 : 0);
      },
    });
  }

  /** What the Redis event target counts into. */
  pubsubCounters(): PubSubCounters {
    return {
      publishFailed: () => this.publishFailures.inc(),
      deliveredLocally: () => this.localDeliveries.inc(),
      foreignDropped: () => this.foreignMessages.inc(),
    };
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private gauges(): void {
    const self = this;
    new Gauge({
      name: "amsgate_websocket_connections",
      help: "Open graphql-ws connections to this process.",
      registers: [this.registry],
      collect() {
        this.set(self.webSockets().connections);
      },
    });
    new Gauge({
      name: "amsgate_graphql_active_subscriptions",
      help: "Subscriptions running on this process's graphql-ws connections.",
      registers: [this.registry],
      collect() {
        this.set(self.webSockets().subscriptions);
      },
    });
    new Gauge({
      name: "amsgate_sync_leader",
      help: "1 when this process holds the members poll lease, 0 when it does not, NaN when unknown.",
      registers: [this.registry],
      async collect() {
        this.set(self.leader ? Number(await self.leader().catch(() => Number.NaN)) : Number.NaN);
      },
    });
  }
}

/** Read at each scrape; a database that does not answer shows as no samples or NaN, never as a failed scrape. */
function registerSharedStateGauges(registry: Registry, shared: SharedSyncState): void {
  new Gauge({
    name: "amsgate_refresh_queue_depth",
    help: "Members waiting in the shared refresh queue, by reason and its priority (lower goes first).",
    labelNames: ["reason", "priority"] as const,
    registers: [registry],
    async collect() {
      const rows = await shared.queueDepth().catch(() => []);
      this.reset();
      for (const row of rows) this.set({ reason: row.reason, priority: String(row.priority) }, row.count);
    },
  });
  new Gauge({
    name: "amsgate_refresh_dead_letters",
    help: "Members whose refresh failed every attempt (refreshFailures), in the shared database.",
    registers: [registry],
    async collect() {
      this.set(await shared.deadLetters().catch(() => Number.NaN));
    },
  });
  new Gauge({
    name: "amsgate_members_poll_lag_seconds",
    help: "Now minus the last successful members poll recorded in the shared database; NaN before the first.",
    registers: [registry],
    async collect() {
      const lagMs = await shared.pollState().then(
        (state) => state.lagMs,
        () => null,
      );
      this.set(lagMs === null ? Number.NaN : lagMs / 1000);
    },
  });
}
