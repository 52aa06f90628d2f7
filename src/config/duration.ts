import ms from "ms";

/**
 * Parses a human duration such as `15s`, `30m`, `24h` or `50ms` into milliseconds.
 * A bare number is taken as milliseconds. Returns `undefined` when the text is not a duration,
 * so the caller can name the variable that held it.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const value = ms(trimmed as ms.StringValue);
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
  return Math.round(value);
}
