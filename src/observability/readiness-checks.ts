import type { SharedSyncState } from "./shared-sync-state";
import type { ReadinessCheck } from "./readiness";

/** Reachable and migrated, and not shutting down: without it nothing else is worth asking. */
export function databaseCheck(isServing: () => Promise<boolean>): ReadinessCheck {
  return {
    name: "database",
    run: async () => ((await isServing()) ? { detail: "ok" } : { detail: "unavailable", unready: "database unavailable or shutting down" }),
  };
}

/**
 * Pub/sub never makes the process unready: with Redis away, queries, mutations and this process's
 * own subscriptions go on; only events from other processes stop until it is back.
 */
export function pubsubCheck(health: () => string): ReadinessCheck {
  return { name: "pubsub", run: async () => ({ detail: health() }) };
}

/**
 * The cache is worth serving once the first full load has been read (a successful members poll is
 * recorded in the shared `sync_cursors`) and while polls keep succeeding: a lag past
 * `maxPollLagMs` (0: no limit) means the cache is going stale. Read from the database, so a
 * graph-only process judges by the poll another process ran.
 */
export function syncCheck(shared: Pick<SharedSyncState, "pollState">, maxPollLagMs: number): ReadinessCheck {
  return {
    name: "sync",
    run: async () => {
      const { lastSuccessfulPollAt, lagMs } = await shared.pollState();
      const detail = {
        firstLoad: lastSuccessfulPollAt === null ? "pending" : "done",
        lastSuccessfulPollAt: lastSuccessfulPollAt?.toISOString() ?? null,
        pollLagSeconds: lagMs === null ? null : Math.round(lagMs / 1000),
        maxPollLagSeconds: maxPollLagMs > 0 ? Math.round(maxPollLagMs / 1000) : null,
      };
      if (lagMs === null) return { detail, unready: "the first full load has not finished: no successful members poll is recorded yet" };
      if (maxPollLagMs > 0 && lagMs > maxPollLagMs) {
        return {
          detail,
          unready: `the last successful members poll was ${detail.pollLagSeconds}s ago, more than READINESS_MAX_POLL_LAG (${detail.maxPollLagSeconds}s)`,
        };
      }
      return { detail };
    },
  };
}

/**
 * The built-in gateway's composition never makes the process unready: a failed recomposition keeps
 * the last good supergraph in service, so `/readyz` says `degraded` with the reason instead.
 */
export function supergraphCheck(status: () => { state: string; reason: string | null }): ReadinessCheck {
  return { name: "supergraph", run: async () => ({ detail: status() }) };
}

/** `AMS_SOURCE=spreadsheet`: no AMS is polled, so no poll can lag; the cache is the system of record. */
export function cacheOfRecordCheck(): ReadinessCheck {
  return { name: "sync", run: async () => ({ detail: { source: "spreadsheet", polls: "none: the cache is the system of record" } }) };
}
