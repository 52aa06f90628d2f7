import { readFileSync } from "node:fs";

export interface MemoryPeak {
  /** Largest RSS seen by sampling, in MB. */
  sampledPeakRssMb: number;
  /** The kernel's high-water mark of this process's RSS (VmHWM), in MB; null off Linux. */
  highWaterRssMb: number | null;
  peakHeapUsedMb: number;
  /** RSS when sampling stopped, in MB. */
  finalRssMb: number;
  samples: number;
}

const MB = 1024 * 1024;

/** VmHWM from /proc: the peak RSS over the process's whole life, however short the spike. */
export function highWaterRssMb(pid: number | "self" = "self"): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("VmHWM:"));
    return line ? Number(line.replace(/\D+/g, "")) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples this process's memory on an interval; `stop()` returns the peaks. */
export function startMemorySampler(intervalMs = 100): { stop(): MemoryPeak } {
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop(): MemoryPeak {
      clearInterval(timer);
      sample();
      return {
        sampledPeakRssMb: peakRss / MB,
        highWaterRssMb: highWaterRssMb(),
        peakHeapUsedMb: peakHeap / MB,
        finalRssMb: process.memoryUsage().rss / MB,
        samples,
      };
    },
  };
}

/** Memory after a full collection (needs `--expose-gc`), so deltas are live objects, not garbage. */
export function settledMemoryMb(): { rssMb: number; heapUsedMb: number; externalMb: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  return { rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB, externalMb: (usage.external + usage.arrayBuffers) / MB };
}
