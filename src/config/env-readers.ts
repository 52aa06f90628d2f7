import { isBareNumber, parseDurationMs } from "./duration";

/**
 * Small typed readers over the raw environment. Each records a problem naming the variable
 * instead of throwing, so one start-up reports every bad variable at once.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  /** The trimmed value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${text}")`);
      return fallback;
    }
    return value;
  }

  fraction(name: string, fallback: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      this.problems.push(`${name} must be a number from 0 to 1 (got "${text}")`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const lowered = text.toLowerCase();
    if (["1", "true", "yes", "on"].includes(lowered)) return true;
    if (["0", "false", "no", "off"].includes(lowered)) return false;
    this.problems.push(`${name} must be true or false (got "${text}")`);
    return fallback;
  }

  /**
   * A duration with its unit, such as `15s`, `30m`, `24h`; `min` guards against values that
   * would spin. A bare number gets its own message: it is the easy mistake (`1800` meant as seconds).
   */
  durationMs(name: string, fallbackMs: number, minMs = 0): number {
    const text = this.raw(name);
    if (text === undefined) return fallbackMs;
    if (isBareNumber(text)) {
      this.problems.push(
        `${name} needs a unit (ms, s, m, h or d): write "${text}s" for seconds or "${text}ms" for milliseconds (got "${text}")`,
      );
      return fallbackMs;
    }
    const value = parseDurationMs(text);
    if (value === undefined || value < minMs) {
      const floor = minMs > 0 ? ` of at least ${minMs}ms` : "";
      this.problems.push(
        `${name} must be a duration${floor} with a unit (ms, s, m, h or d) such as 500ms, 15s, 30m or 24h (got "${text}")`,
      );
      return fallbackMs;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const match = allowed.find((option) => option.toLowerCase() === text.toLowerCase());
    if (match === undefined) {
      this.problems.push(`${name} must be one of ${allowed.join(", ")} (got "${text}")`);
      return fallback;
    }
    return match;
  }

  /** Comma-separated list; blanks dropped. Secret lists never echo their values in problems. */
  list(name: string): string[] {
    const text = this.raw(name);
    if (text === undefined) return [];
    return text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }

  url(name: string, protocols: readonly string[]): URL | undefined {
    const text = this.raw(name);
    if (text === undefined) return undefined;
    try {
      const parsed = new URL(text);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(" or ")} (got "${parsed.protocol}")`);
        return undefined;
      }
      return parsed;
    } catch {
      // The value may carry a password; never echo it.
      this.problems.push(`${name} is not a valid URL`);
      return undefined;
    }
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}
