export enum ImportErrorCode {
  /** The header names an unknown column, twice the same one, or no key column. */
  BAD_HEADER = "BAD_HEADER",
  /** The file broke off or is not CSV. */
  UNREADABLE = "UNREADABLE",
  /** A replace would disable more of the cached members than IMPORT_REPLACE_MAX_DISABLE_SHARE allows. */
  REPLACE_LIMIT = "REPLACE_LIMIT",
}

/** Why a whole import was refused (single rows are skipped and reported, never thrown). */
export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ImportError";
  }
}
