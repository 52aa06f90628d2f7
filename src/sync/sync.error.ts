/** Why a sync request could not be carried out. */
export enum SyncErrorCode {
  /** The request names something the cache does not hold (e.g. an unknown community). */
  NOT_FOUND = "NOT_FOUND",
  /** The request itself is wrong (no keys, too many keys, a key too long). */
  INVALID_REQUEST = "INVALID_REQUEST",
  /** The AMS did not answer the refresh; it stays queued and is retried after the outage. */
  SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE",
}

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SyncError";
  }
}
