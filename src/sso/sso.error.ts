/**
 * Why a sign-on was refused. Codes are for logs and mapping; messages that reach a client never
 * say which cryptographic check failed or echo token material.
 */
export enum SsoErrorCode {
  /** Malformed, tampered, truncated, wrongly signed or unknown-key token. */
  INVALID_TOKEN = "INVALID_TOKEN",
  EXPIRED_TOKEN = "EXPIRED_TOKEN",
  /** A single-use token presented a second time. */
  REPLAYED_TOKEN = "REPLAYED_TOKEN",
  /** Username/password refused by the AMS. */
  CREDENTIALS_REJECTED = "CREDENTIALS_REJECTED",
  /** Too many attempts for this username or client address. */
  RATE_LIMITED = "RATE_LIMITED",
  /** The method is not configured on this gateway. */
  METHOD_DISABLED = "METHOD_DISABLED",
  /** The token was good but names no member the AMS knows. */
  MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND",
  /** The member exists but may not sign in (disabled, filtered out). */
  MEMBER_DISABLED = "MEMBER_DISABLED",
  /** The identity provider or AMS did not answer in time. */
  PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE",
  /** A browser's login callback does not match the login it started (state, cookie, timing). */
  LOGIN_STATE_INVALID = "LOGIN_STATE_INVALID",
  /** A return URL outside SSO_RETURN_URL_ALLOWLIST: the gateway does not redirect there. */
  RETURN_URL_NOT_ALLOWED = "RETURN_URL_NOT_ALLOWED",
  /** The identity provider answered the login with an error (the user declined, the client is refused). */
  PROVIDER_REFUSED = "PROVIDER_REFUSED",
  /** The request itself is incomplete (e.g. no token for a token method). */
  BAD_REQUEST = "BAD_REQUEST",
}

export class SsoError extends Error {
  constructor(
    readonly code: SsoErrorCode,
    /** Safe to show a client: no token material, no cryptographic detail. */
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SsoError";
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  readonly retryAfterSeconds: number | undefined;
}
