import type { MemberRecord } from "../sources/member-record";
import type { ImportErrorCode } from "./import.error";
import type { PendingRow } from "./member-csv.parse";
import type { ImportMode, RowError } from "./member-csv.rows";

/** A row as the parser read it, with what it reads as on its own (no cache yet). */
export interface CheckedRow {
  pending: PendingRow;
  key: string;
  read: MemberRecord | RowError[];
}

/** What the row checker starts with. */
export interface RowCheckSetup {
  mode: ImportMode;
}

/** The importer to the row checker: the upload's bytes, its end, and room for more rows. */
export type ToRowChecker =
  | { kind: "chunk"; bytes: Uint8Array }
  | { kind: "end" }
  /** The upload failed: stop reading. */
  | { kind: "abort"; reason: string }
  /** One more message of rows may be sent (the importer took one). */
  | { kind: "credit" };

/** The row checker to the importer. */
export type FromRowChecker =
  /** A chunk of the upload was read by the parser: the importer may send more. */
  | { kind: "took" }
  /** Checked rows in file order, with the rows the parser itself skipped since the message before. */
  | { kind: "rows"; rows: CheckedRow[]; skipped: RowError[] }
  /** The whole file is refused: its header (with the code), or it could not be read (no code). */
  | { kind: "fault"; code: ImportErrorCode | null; message: string }
  /** Every row was sent. */
  | { kind: "done"; skipped: RowError[] };
