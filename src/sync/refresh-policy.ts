import { SourceError, SourceErrorCode } from "../sources/source.error";
import { type BackoffSettings, backoffDelayMs } from "../time/backoff";

/**
 * Why a queued refresh did not succeed, as stored in `refresh_queue.last_error_code` and
 * `refresh_failures.error_code` and shown in GraphQL. The AMS's own verdicts keep their
 * `SourceErrorCode` names; the rest are amsgate's.
 */
export enum RefreshFailureCode {
  TEMPORARY = "TEMPORARY",
  AUTH_REJECTED = "AUTH_REJECTED",
  NOT_FOUND = "NOT_FOUND",
  CONTRACT_VIOLATION = "CONTRACT_VIOLATION",
  /** The cache refused the record (a constraint, a value too long for its column). */
  WRITE_REJECTED = "WRITE_REJECTED",
  /** A fault in amsgate itself while refreshing this member. */
  INTERNAL = "INTERNAL",
  /** The worker holding the member stopped answering before its lease ran out. */
  LEASE_LOST = "LEASE_LOST",
  /** The source takes no writeback (a completion accepted before the source was changed). */
  UNSUPPORTED = "UNSUPPORTED",
}

const FROM_SOURCE: Record<SourceErrorCode, RefreshFailureCode> = {
  [SourceErrorCode.TEMPORARY]: RefreshFailureCode.TEMPORARY,
  [SourceErrorCode.AUTH_REJECTED]: RefreshFailureCode.AUTH_REJECTED,
  [SourceErrorCode.NOT_FOUND]: RefreshFailureCode.NOT_FOUND,
  [SourceErrorCode.CONTRACT_VIOLATION]: RefreshFailureCode.CONTRACT_VIOLATION,
};

/** What went wrong with one queued member, or with a whole batch. */
export type RefreshFailure =
  /** This member's refresh failed: it counts against the member. */
  | { kind: "member"; code: RefreshFailureCode; message: string }
  /**
   * The AMS as a whole did not answer (down, refusing our credentials, asking for a pause):
   * says nothing about the members, so it does not count against them.
   */
  | { kind: "outage"; code: RefreshFailureCode; message: string; retryAfterMs?: number }
  /** A claim found the row's previous lease run out: its holder died or the AMS was too slow. */
  | { kind: "lease-lost" };

export type RefreshDecision =
  /** Hand the member out again now; the lost attempt has been counted. */
  | { action: "retry-now" }
  /** Try again at `at`; the attempt counts. */
  | { action: "back-off"; at: Date; code: RefreshFailureCode; message: string }
  /** Give the row back until `until` without counting the attempt. */
  | { action: "hold"; until: Date; code: RefreshFailureCode; message: string }
  /** Out of attempts: move to refresh_failures, visible and retryable. */
  | { action: "dead-letter"; code: RefreshFailureCode; message: string };

export interface RefreshPolicySettings {
  maxAttempts: number;
  backoff: BackoffSettings;
  /** Shortest wait after an outage, even when the AMS asks for less. */
  outageHoldMs: number;
}

export interface DecisionContext {
  /** Attempts counted so far, the failed one included (a lease-lost row: the claims it lost). */
  attempts: number;
  now: Date;
  settings: RefreshPolicySettings;
  random?: () => number;
}

/** The one place that decides what a failure means for a queued row. */
export function decideRefreshFailure(failure: RefreshFailure, context: DecisionContext): RefreshDecision {
  const { attempts, now, settings } = context;
  const exhausted = attempts >= settings.maxAttempts;
  switch (failure.kind) {
    case "outage": {
      // Never come back sooner than the AMS asked (its Retry-After).
      const holdMs = Math.max(settings.outageHoldMs, failure.retryAfterMs ?? 0);
      return { action: "hold", until: new Date(now.getTime() + holdMs), code: failure.code, message: failure.message };
    }
    case "lease-lost":
      if (!exhausted) return { action: "retry-now" };
      return {
        action: "dead-letter",
        code: RefreshFailureCode.LEASE_LOST,
        message: `the lease ran out ${attempts} times before the refresh finished (a worker died, or the AMS answers slower than REFRESH_LEASE)`,
      };
    case "member": {
      if (exhausted) return { action: "dead-letter", code: failure.code, message: failure.message };
      const delayMs = backoffDelayMs(attempts, settings.backoff, context.random);
      return { action: "back-off", at: new Date(now.getTime() + delayMs), code: failure.code, message: failure.message };
    }
  }
}

/**
 * What an error that sank a whole batch means. A source that answered in a form we cannot read
 * counts against the members asked for; any other SourceError is the AMS being unavailable; an
 * error that is not the AMS's at all is our own fault, counted so a record that triggers it
 * ends in the dead letters rather than looping forever.
 */
export function classifyBatchError(error: unknown): Exclude<RefreshFailure, { kind: "lease-lost" }> {
  if (error instanceof SourceError) {
    const code = FROM_SOURCE[error.code];
    if (error.code === SourceErrorCode.CONTRACT_VIOLATION) return { kind: "member", code, message: error.message };
    return { kind: "outage", code, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  return { kind: "member", code: RefreshFailureCode.INTERNAL, message: "unexpected error while refreshing" };
}

/**
 * What an error from one writeback send means, in the same terms as a refresh failure so the one
 * policy decides both. An AMS that is down or refuses our credentials is an outage: it says
 * nothing about the completion, so it holds the row without counting. An AMS that answers and
 * refuses this completion (it names a member it does not know, or the body breaks its contract)
 * counts against the completion, which backs off and ends in the dead letters.
 */
export function classifyWritebackError(error: unknown): Exclude<RefreshFailure, { kind: "lease-lost" }> {
  if (error instanceof SourceError) {
    const code = FROM_SOURCE[error.code];
    if (error.code === SourceErrorCode.CONTRACT_VIOLATION || error.code === SourceErrorCode.NOT_FOUND) {
      return { kind: "member", code, message: error.message };
    }
    return { kind: "outage", code, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  return { kind: "member", code: RefreshFailureCode.INTERNAL, message: "unexpected error while sending the completion" };
}

/** The failure code for one member's source error. */
export function failureCodeOf(error: SourceError): RefreshFailureCode {
  return FROM_SOURCE[error.code];
}
