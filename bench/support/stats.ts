/** Where a figure's repetitions fell: the median is what gets reported, the rest says how noisy. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  count: number;
}

/** The p-th percentile (0..100) of ascending `sorted`, interpolating between neighbours. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function spreadOf(values: ArrayLike<number>): Spread {
  const sorted = sortedCopy(values);
  return {
    median: percentile(sorted, 50),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: percentile(sorted, 25),
    q3: percentile(sorted, 75),
    count: sorted.length,
  };
}

/** `1234 (min–max 1200–1300)`; a single run has no spread to show. */
export function formatSpread(spread: Spread, digits = 0): string {
  const fixed = (value: number) => value.toFixed(digits);
  if (spread.count <= 1) return `${fixed(spread.median)} (1 run)`;
  return `${fixed(spread.median)} (${fixed(spread.min)}–${fixed(spread.max)})`;
}
