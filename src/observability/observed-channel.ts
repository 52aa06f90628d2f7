import type { MemberChangeEvent } from "../sync/member-change";
import { type EventChannel, SYNC_TOPICS, type SyncRunSnapshot } from "../sync/sync-events";
import type { GatewayMetrics } from "./metrics";

/** Runs remembered as counted, so a finished run published again is not counted twice. */
const REMEMBERED_RUNS = 1_000;

/**
 * The channel sync publishes into, with what this process publishes counted on the way: member
 * changes by kind, and each run once when it finishes (count and duration). Counting at the
 * publisher, not the subscriber, keeps every event counted once across processes (each process
 * receives every event through Redis, but only one published it).
 */
export function observedChannel(channel: EventChannel, metrics: GatewayMetrics): EventChannel {
  const finished = new Set<string>();
  return {
    publish(topic, payload) {
      try {
        if (topic === SYNC_TOPICS.member) metrics.memberChanges.inc({ kind: (payload as MemberChangeEvent).kind });
        if (topic === SYNC_TOPICS.run) countRun(payload as SyncRunSnapshot, finished, metrics);
      } catch {
        // Metrics never stand in the way of an event.
      }
      channel.publish(topic, payload);
    },
    subscribe: (topic) => channel.subscribe(topic),
  };
}

function countRun(run: SyncRunSnapshot, finished: Set<string>, metrics: GatewayMetrics): void {
  if (run.finishedAt === null || run.status === "RUNNING" || finished.has(run.id)) return;
  finished.add(run.id);
  if (finished.size > REMEMBERED_RUNS) finished.delete(finished.values().next().value!);
  const labels = { kind: run.kind, status: run.status };
  metrics.syncRuns.inc(labels);
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  if (Number.isFinite(seconds) && seconds >= 0) metrics.syncRunDuration.observe(labels, seconds);
}
