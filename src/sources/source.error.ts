/** How a call to an AMS went wrong; decides retry and what the member refresh does next. */
export enum SourceErrorCode {
  /** Timeouts, connection failures, 429 and 5xx: worth trying again later. */
  TEMPORARY = "TEMPORARY",
  /** 401/403, or credentials a member typed that the AMS refused: retrying will not help. */
  AUTH_REJECTED = "AUTH_REJECTED",
  /** The AMS says this thing does not exist (a single-member 404, an unknown SSO token). */
  NOT_FOUND = "NOT_FOUND",
  /** A body that does not parse or lacks a required field: wrong for that record only. */
  CONTRACT_VIOLATION = "CONTRACT_VIOLATION",
}

export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    options: { cause?: unknown; memberKey?: string; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SourceError";
    this.memberKey = options.memberKey;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The member the error is about, when it is about one. */
  readonly memberKey: string | undefined;
  /** How long the AMS asked us to wait before calling again (its `Retry-After`), when it said. */
  readonly retryAfterMs: number | undefined;
}

/** The one place that decides whether an AMS call is worth repeating. */
export function isRetryable(error: unknown): boolean {
  return error instanceof SourceError && error.code === SourceErrorCode.TEMPORARY;
}
