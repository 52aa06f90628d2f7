/** Why a sync request could not be carried out. */
export enum SyncErrorCode {
  /** The request names something the cache does not hold (e.g. an unknown community). */
  NOT_FOUND = "NOT_FOUND",
  /** The request itself is wrong (no keys, too many keys, a key too long). */
  INVALID_REQUEST = "INVALID_REQUEST",
  /** The AMS did not answer the refresh; it stays queued and is retried after the outage. */
  SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE",
  /** An edit of the cache by hand where the AMS is the system of record (any AMS_SOURCE but spreadsheet). */
  NOT_SOURCE_OF_RECORD = "NOT_SOURCE_OF_RECORD",
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
