import type { Sync } from "../../src/sync/create-sync";
import type { SyncRunSnapshot } from "../../src/sync/sync-events";

export interface RefreshOutcome {
  run: SyncRunSnapshot;
  /** From the poll's start until every queued member is committed. */
  totalMs: number;
  /** From the poll's start until the poll (listing and queueing) ended. */
  pollMs: number;
  batches: number;
}

/**
 * How long an idle worker waits before claiming again, unless woken first. The scheduler idles
 * for REFRESH_QUEUE_POLL and is woken by work queued in its process; the driver's workers are
 * woken the same way, and when the poll ends (so an empty queue ends the phase at once).
 */
const IDLE_MS = 50;

/**
 * Runs one members poll and drains the queue with `workers` refresh workers at once, as the
 * scheduler does (workers start on the first queued page, while the poll goes on), but without
 * the scheduler's other jobs (event poll, expiry sweep) so only member refresh is timed.
 */
export async function driveRefresh(engine: Sync, workers: number, kind: "PERIODIC" | "FULL"): Promise<RefreshOutcome> {
  const started = performance.now();
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...sleepers]) wake();
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      const wake = () => {
        sleepers.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, IDLE_MS);
      sleepers.add(wake);
    });
  const stopListening = engine.internals.intake.whenQueued(wakeAll);
  let polling = true;
  let pollMs = 0;
  let batches = 0;
  const poll = engine.internals.poller.pollMembers(kind).finally(() => {
    polling = false;
    pollMs = performance.now() - started;
    wakeAll();
  });
  const drain = async (index: number) => {
    for (;;) {
      // Read before claiming: an empty claim after the poll ended means the queue is done.
      const pollOver = !polling;
      const report = await engine.internals.worker(index).runOnce();
      if (report.claimed > 0) batches += 1;
      else if (pollOver) return;
      else await idle();
    }
  };
  try {
    const [polled] = await Promise.all([poll, ...Array.from({ length: workers }, (_, index) => drain(index))]);
    const totalMs = performance.now() - started;
    if (!polled) throw new Error("another process held the members poll lock");
    const run = (await engine.internals.ledger.get(polled.id)) ?? polled;
    return { run, totalMs, pollMs, batches };
  } finally {
    stopListening();
  }
}
