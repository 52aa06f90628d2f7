/**
 * Randomness for tests, injected wherever production code takes `random: () => number`.
 */

/** Returns the given values in order, then throws: a test states exactly which draws it expects. */
export function scriptedRandom(values: readonly number[]): () => number {
  let position = 0;
  return () => {
    if (position >= values.length) throw new Error(`scripted randomness ran out after ${values.length} draws`);
    return values[position++]!;
  };
}

/** A small seeded generator (mulberry32): repeatable "random" runs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
