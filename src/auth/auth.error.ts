/** Why the credentials a request carried were refused (a request with none is anonymous, not refused). */
export enum AuthErrorCode {
  /** The authorization value is not a string of the form `Bearer <credential>`. */
  MALFORMED_CREDENTIALS = "MALFORMED_CREDENTIALS",
  /** A bearer credential that is neither an admin key nor a session this gateway issued, or one that expired. */
  INVALID_CREDENTIALS = "INVALID_CREDENTIALS",
}

/** A refused credential. The message is safe to show a client: it never echoes the credential. */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}
