import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { DelimiterSniffer } from "./csv-delimiter";
import { ImportError, ImportErrorCode } from "./import.error";
import { ALL_COLUMNS, KEY_COLUMN } from "./member-csv.columns";
import type { RowError } from "./member-csv.rows";

/** One data row as the parser read it, with its number in the file (the header is row 1). */
export interface PendingRow {
  row: number;
  cells: Record<string, string>;
}

/** A CSV being read: its rows, and what the parser learnt about the header and skipped rows. */
export interface CsvReading {
  rows: AsyncIterable<PendingRow>;
  /** Throws the header's fault, if any; once a row came, or at the end, the header is known. */
  checkHeader(): void;
  /** Rows the parser itself could not read (wrong cell count, bad quoting), taken since the last call. */
  takeSkipped(): RowError[];
}

/**
 * Streams a CSV through csv-parse (DESIGN §12): UTF-8 with or without BOM, `,` or `;` between
 * cells (the header line decides), quoted newlines. A file with no header line, or a header that
 * names an unknown column, a column twice or no key column, is refused whole, before anything is
 * written.
 */
export function readCsv(input: Readable): CsvReading {
  // Never thrown from inside the parser (it would escape the stream): kept, then thrown by checkHeader.
  let headerProblem: ImportError | undefined;
  let headerSeen = false;
  const columns = (header: string[]) => {
    headerSeen = true;
    const names = header.map((name) => name.trim());
    headerProblem = headerFault(names);
    return names;
  };
  // Row numbers come from the parser as it reads (the header is row 1), skipped records included.
  let skips = 0;
  let skipped: RowError[] = [];
  const sniffer = new DelimiterSniffer();
  input.on("error", (error) => sniffer.destroy(error));
  input.pipe(sniffer);
  // The parser starts once the header line has said which delimiter the file uses.
  async function* rows(): AsyncGenerator<PendingRow> {
    const parser = sniffer.pipe(
      parse({
        bom: true,
        delimiter: await sniffer.delimiter,
        columns,
        skip_empty_lines: true,
        skip_records_with_error: true,
        on_record: (cells: Record<string, string>, context: { records: number }) => ({ cells, row: context.records + skips + 1 }),
      }),
    );
    sniffer.on("error", (error) => parser.destroy(error));
    parser.on("skip", (error: Error & { records?: number }) => {
      skipped.push({ row: (error.records ?? 0) + skips + 2, column: null, reason: error.message });
      skips += 1;
    });
    yield* parser as AsyncIterable<PendingRow>;
  }
  return {
    rows: rows(),
    checkHeader() {
      if (headerProblem) throw headerProblem;
      if (!headerSeen)
        throw new ImportError(ImportErrorCode.BAD_HEADER, `The file is empty: its first line must be the header (${KEY_COLUMN}, …)`);
    },
    takeSkipped() {
      const taken = skipped;
      skipped = [];
      return taken;
    },
  };
}

/** The header must name LegacyContactKey and only known columns; otherwise nothing is imported. */
function headerFault(names: string[]): ImportError | undefined {
  const unknown = names.filter((name) => !ALL_COLUMNS.includes(name));
  if (unknown.length > 0) {
    return new ImportError(
      ImportErrorCode.BAD_HEADER,
      `Unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => JSON.stringify(name.slice(0, 60))).join(", ")} (see the template: npm run import:template)`,
    );
  }
  if (!names.includes(KEY_COLUMN)) return new ImportError(ImportErrorCode.BAD_HEADER, `The header has no ${KEY_COLUMN} column`);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  return duplicate ? new ImportError(ImportErrorCode.BAD_HEADER, `The column ${duplicate} appears twice`) : undefined;
}
