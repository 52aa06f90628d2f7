import { PassThrough } from "node:stream";
import { parentPort, workerData } from "node:worker_threads";
import { ImportError } from "./import.error";
import { KEY_COLUMN } from "./member-csv.columns";
import { readCsv } from "./member-csv.parse";
import { readRow } from "./member-csv.rows";
import type { CheckedRow, FromRowChecker, RowCheckSetup, ToRowChecker } from "./row-check.protocol";

/** Rows sent together: large enough that a message's cost is small beside its rows'. */
const ROWS_PER_MESSAGE = 250;
/** Messages of rows sent ahead of the importer; past this the parser (and so the upload) waits. */
const MESSAGES_AHEAD = 4;

/**
 * The row checker (a worker thread, one per import): parses the upload and reads each row as a
 * new member (the work that does not need the cache), so that the importer's thread is left to
 * the writer. Everything it sends is in file order; it never holds more than a few messages of
 * rows beyond what the importer took, and acknowledges each chunk only once the parser took it,
 * so memory stays flat however large the file.
 */
const port = parentPort!;
const { mode } = workerData as RowCheckSetup;
const input = new PassThrough();
let credits = MESSAGES_AHEAD;
let wake: (() => void) | undefined;
const send = (message: FromRowChecker) => port.postMessage(message);

port.on("message", (message: ToRowChecker) => {
  switch (message.kind) {
    case "chunk":
      input.write(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength), () => send({ kind: "took" }));
      break;
    case "end":
      input.end();
      break;
    case "abort":
      input.destroy(new Error(message.reason));
      break;
    case "credit":
      credits += 1;
      wake?.();
      break;
  }
});

async function check(): Promise<void> {
  const reading = readCsv(input);
  let rows: CheckedRow[] = [];
  const flush = async () => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits -= 1;
    send({ kind: "rows", rows, skipped: reading.takeSkipped() });
    rows = [];
  };
  let headerChecked = false;
  for await (const pending of reading.rows) {
    if (!headerChecked) reading.checkHeader();
    headerChecked = true;
    rows.push({ pending, key: (pending.cells[KEY_COLUMN] ?? "").trim(), read: readRow(pending.row, pending.cells, mode, undefined) });
    if (rows.length >= ROWS_PER_MESSAGE) await flush();
  }
  reading.checkHeader();
  if (rows.length > 0) await flush();
  send({ kind: "done", skipped: reading.takeSkipped() });
}

check().catch((error: unknown) => {
  const fault = error instanceof ImportError ? { code: error.code, message: error.message } : { code: null, message: messageOf(error) };
  send({ kind: "fault", ...fault });
});

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
