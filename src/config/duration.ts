import ms from "ms";

/** The units a configured duration may carry; `ms` converts once the form is known to be one of them. */
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const BARE_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses a duration such as `500ms`, `15s`, `30m`, `1.5h` or `7d` into milliseconds.
 * A unit is required: a bare number such as `1800` is refused (operators read it as seconds,
 * the old parser as milliseconds). `0` alone is accepted, being zero in every unit. Returns
 * `undefined` when the text is not a duration, so the caller can name the variable that held it.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const match = DURATION.exec(trimmed);
  if (!match) return undefined;
  const value = ms(`${match[1]}${match[2]}` as ms.StringValue);
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
  return Math.round(value);
}

/** True for a number with no unit (other than `0`): the mistake worth its own message. */
export function isBareNumber(text: string): boolean {
  const trimmed = text.trim();
  return trimmed !== "0" && BARE_NUMBER.test(trimmed);
}
