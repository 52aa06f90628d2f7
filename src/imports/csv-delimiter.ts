import { Transform, type TransformCallback } from "node:stream";

export type CsvDelimiter = "," | ";";

/** A header line longer than this is judged on what came so far (headers are short). */
const MAX_HEADER_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The delimiter a header line uses. Spreadsheets export `;` where the decimal mark is a comma,
 * and the group cells use `;` between entries, so no one delimiter can be assumed and the two
 * cannot both be accepted: the header (column names hold neither character) decides.
 */
export function headerDelimiter(headerLine: string): CsvDelimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === ",") commas += 1;
    else if (!quoted && char === ";") semicolons += 1;
  }
  return semicolons > commas ? ";" : ",";
}

/**
 * Passes a CSV through unchanged, holding it back only until its first line has arrived;
 * `delimiter` then resolves with what that line uses (`,` for an empty file).
 */
export class DelimiterSniffer extends Transform {
  readonly delimiter: Promise<CsvDelimiter>;
  private decide!: (delimiter: CsvDelimiter) => void;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private decided = false;

  constructor() {
    super();
    this.delimiter = new Promise((resolve) => {
      this.decide = resolve;
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.decided) return done(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (chunk.includes(NEWLINE) || this.heldBytes >= MAX_HEADER_BYTES) this.release();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.decided) this.release();
    done();
  }

  private release(): void {
    const head = Buffer.concat(this.held);
    const end = head.indexOf(NEWLINE);
    // Only ASCII matters here (quotes, commas, semicolons), so latin1 never splits a character.
    this.decide(headerDelimiter(head.subarray(0, end === -1 ? head.length : end).toString("latin1")));
    this.decided = true;
    this.held = [];
    this.push(head);
  }
}
