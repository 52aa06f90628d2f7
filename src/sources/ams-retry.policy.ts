import { handleWhen, type IBackoff, type IRetryBackoffContext, retry, type RetryPolicy } from "cockatiel";
import type { Logger } from "../observability/logger";
import { backoffDelayMs } from "../time/backoff";
import { isRetryable, SourceError } from "./source.error";

/** The longest in-call retry wait by default; a longer `Retry-After` goes back to the queue, which waits it out. */
export const DEFAULT_MAX_IN_CALL_DELAY_MS = 30_000;

export interface AmsRetrySettings {
  /** Further tries of a call that failed temporarily. */
  retries: number;
  /** First retry delay; doubles each try (the one back-off, with jitter). */
  retryBaseMs: number;
  /** Longest wait within a call; a Retry-After longer than this fails the call at once. */
  maxInCallDelayMs?: number;
  random?: () => number;
  logger: Logger;
  /** Names the AMS in the retry log line, e.g. "iMIS". */
  label: string;
}

/**
 * The in-call retry every HTTP connector uses (cockatiel): whether to retry is `isRetryable`'s
 * call; an AMS asking for a longer pause than an in-call wait only changes when, since the caller
 * (the refresh queue) then waits it out instead. Each retry is logged with its reason.
 */
export function amsRetryPolicy(settings: AmsRetrySettings): RetryPolicy {
  const maxDelayMs = settings.maxInCallDelayMs ?? Math.max(settings.retryBaseMs, DEFAULT_MAX_IN_CALL_DELAY_MS);
  const retryNow = (error: Error) => isRetryable(error) && ((error as SourceError).retryAfterMs ?? 0) <= maxDelayMs;
  const policy = retry(handleWhen(retryNow), {
    maxAttempts: settings.retries,
    backoff: amsBackoff(settings.retryBaseMs, Math.max(maxDelayMs, 1), settings.random ?? Math.random),
  });
  policy.onRetry((event) => {
    const error = "error" in event ? event.error : undefined;
    settings.logger.warn(
      { attempt: event.attempt, delayMs: event.delay, reason: error instanceof Error ? error.message : "unknown" },
      `${settings.label} call failed; retrying`,
    );
  });
  return policy;
}

/** The wait before retry `attempt` (0 = first): the one back-off, from the injected randomness. */
export function retryDelayMs(baseMs: number, attempt: number, random: () => number, maxMs: number): number {
  return backoffDelayMs(attempt + 1, { baseMs, maxMs }, random);
}

/**
 * Retry waits: `retryDelayMs` for the attempt, or longer when the failed answer carried a
 * `Retry-After` (the policy only retries in-call when that fits under the cap).
 */
export function amsBackoff(baseMs: number, maxMs: number, random: () => number, attempt = 0) {
  return {
    next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
      const error = "error" in context.result ? context.result.error : undefined;
      const asked = error instanceof SourceError ? (error.retryAfterMs ?? 0) : 0;
      return { duration: Math.max(retryDelayMs(baseMs, attempt, random, maxMs), asked), ...amsBackoff(baseMs, maxMs, random, attempt + 1) };
    },
  };
}
