import { GCProfiler } from "node:v8";
import { performance } from "node:perf_hooks";

/** What a process spent over a window: CPU, bytes allocated on the V8 heap, garbage collection. */
export interface ProcessUsage {
  wallMs: number;
  /** User + system CPU of the whole process (every thread: JS, GC helpers, libuv), in ms. */
  cpuMs: number;
  /** Bytes allocated on the JS heap during the window, dead or alive (from the heap before and after each GC). */
  allocatedBytes: number;
  gcCount: number;
  /** Time inside GC pauses on the main thread, in ms. */
  gcMs: number;
  /** Share of the window the event loop was busy (0..1). */
  eventLoopUtilization: number;
}

/**
 * Starts measuring this process. Allocation is exact enough for per-request figures: between two
 * collections the heap only grows by allocation, so the bytes allocated are the sum, over every
 * collection in the window, of the heap used before it less the heap left by the previous one,
 * plus the growth since the last.
 */
export function startUsage(): { stop(): ProcessUsage } {
  const profiler = new GCProfiler();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const startedAt = performance.now();
  profiler.start();
  const heapAtStart = process.memoryUsage().heapUsed;
  return {
    stop(): ProcessUsage {
      const heapAtEnd = process.memoryUsage().heapUsed;
      const { statistics } = profiler.stop();
      let allocated = 0;
      let left = heapAtStart;
      let gcUs = 0;
      for (const gc of statistics) {
        allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - left);
        left = gc.afterGC.heapStatistics.usedHeapSize;
        gcUs += gc.cost;
      }
      allocated += Math.max(0, heapAtEnd - left);
      const spent = process.cpuUsage(cpu);
      return {
        wallMs: performance.now() - startedAt,
        cpuMs: (spent.user + spent.system) / 1000,
        allocatedBytes: allocated,
        gcCount: statistics.length,
        gcMs: gcUs / 1000,
        eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
      };
    },
  };
}

/** One meter a bench child keeps between an orchestrator's `usageStart` and `usageStop` calls. */
export function usageHandlers(): { usageStart: () => true; usageStop: () => ProcessUsage } {
  let meter: { stop(): ProcessUsage } | undefined;
  return {
    usageStart: () => {
      meter = startUsage();
      return true;
    },
    usageStop: () => {
      if (!meter) throw new Error("usageStop without usageStart");
      const usage = meter.stop();
      meter = undefined;
      return usage;
    },
  };
}
