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
