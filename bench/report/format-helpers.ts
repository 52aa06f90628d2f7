import { spreadOf } from "../support/stats";

export const verdict = (met: boolean) => (met ? "met" : "**missed**");

/** A ratio of medians, with the min–max of the per-repetition ratios when there are several. */
export function ratioCell(ratio: number, perRepetition: number[]): string {
  const spread = spreadOf(perRepetition);
  const range = spread.count > 1 ? ` (${spread.min.toFixed(2)}–${spread.max.toFixed(2)})` : "";
  return `${ratio.toFixed(2)}×${range}`;
}
