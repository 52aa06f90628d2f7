/** Why a completion was not accepted, or a writeback request could not be carried out. */
export enum WritebackErrorCode {
  /** A field is missing, malformed or out of range. */
  INVALID_INPUT = "INVALID_INPUT",
  /** The member key names no member in the cache. */
  MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND",
  /** The idempotency key was used before for a completion with other content. */
  IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT",
  /** The AMS source takes no writeback, so nothing recorded could ever be sent. */
  UNSUPPORTED = "UNSUPPORTED",
  /** More completions in one call than it takes. */
  TOO_MANY = "TOO_MANY",
}

export class WritebackError extends Error {
  constructor(
    readonly code: WritebackErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "WritebackError";
  }
}
