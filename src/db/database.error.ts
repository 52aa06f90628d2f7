/** Why the database could not be opened or kept. */
export enum DatabaseErrorCode {
  /** Another process holds the embedded SQLite file. */
  SQLITE_LOCKED = "SQLITE_LOCKED",
  /** This process lost its SQLite file lock (taken by another process, or removed). */
  SQLITE_LOCK_LOST = "SQLITE_LOCK_LOST",
  /** The database server did not answer (refused, timed out, host unknown). */
  UNREACHABLE = "UNREACHABLE",
  /** The server answered but refused us: credentials, unknown database, privileges. */
  REFUSED = "REFUSED",
}

/** A database problem an operator must see as a sentence, never as a raw driver stack. */
export class DatabaseError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "DatabaseError";
  }
}
