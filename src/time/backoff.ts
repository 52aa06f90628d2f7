/** Exponential back-off: where every retry wait in amsgate comes from. */
export interface BackoffSettings {
  /** The wait after the first failure. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/**
 * The wait after the `attempt`-th failure (1-based): base × 2^(attempt-1) with ±20 % jitter,
 * so many members that failed together do not all come back in the same instant, capped.
 */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const exponential = settings.baseMs * 2 ** Math.max(0, attempt - 1);
  const jittered = exponential * (0.8 + 0.4 * random());
  return Math.round(Math.min(settings.maxMs, jittered));
}
