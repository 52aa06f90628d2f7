import { closeSync, createReadStream, openSync, readSync, writeSync } from "node:fs";
import type { MemberRecord } from "../../src/sources/member-record";

/** A record as stored: `key<TAB>json` on one line, its one instant as ISO text. */
function revive(line: string): MemberRecord {
  const record = JSON.parse(line) as MemberRecord & { sourceUpdatedAt: string | null };
  return { ...record, sourceUpdatedAt: record.sourceUpdatedAt === null ? null : new Date(record.sourceUpdatedAt) };
}

/**
 * Member records generated once, ahead of the timed loads, one JSON line each in key order. Both
 * sides of the write comparison read the same file, so neither pays for faker inside its timing.
 */
export class RecordFileWriter {
  private readonly fd: number;
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, "w");
  }

  append(records: MemberRecord[]): void {
    const text = `${records.map((record) => `${record.memberKey}\t${JSON.stringify(record)}`).join("\n")}\n`;
    this.bytes += writeSync(this.fd, text);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Random access by member key: an index of line offsets, the records themselves left on disk. */
export class RecordFileReader {
  private readonly offsets = new Map<string, { start: number; length: number }>();
  private readonly fd: number;

  private constructor(readonly path: string) {
    this.fd = openSync(path, "r");
  }

  /** Scans the file once for line boundaries; memory holds offsets, not records. */
  static async open(path: string): Promise<RecordFileReader> {
    const reader = new RecordFileReader(path);
    let position = 0;
    let lineStart = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) {
        const end = position + index;
        reader.index(lineStart, end);
        lineStart = end + 1;
      }
      position += chunk.length;
    }
    return reader;
  }

  get size(): number {
    return this.offsets.size;
  }

  read(memberKey: string): MemberRecord | undefined {
    const entry = this.offsets.get(memberKey);
    if (!entry) return undefined;
    const buffer = Buffer.allocUnsafe(entry.length);
    readSync(this.fd, buffer, 0, entry.length, entry.start);
    const line = buffer.toString("utf8");
    return revive(line.slice(line.indexOf("\t") + 1));
  }

  /** Records in file (key) order, `size` at a time. */
  async *chunks(size: number): AsyncGenerator<MemberRecord[]> {
    let chunk: MemberRecord[] = [];
    for (const key of this.offsets.keys()) {
      chunk.push(this.read(key)!);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  close(): void {
    closeSync(this.fd);
  }

  private index(start: number, end: number): void {
    if (end <= start) return;
    // Each line starts with the member key and a tab.
    const head = Buffer.allocUnsafe(Math.min(128, end - start));
    readSync(this.fd, head, 0, head.length, start);
    const tab = head.indexOf(9);
    if (tab <= 0) throw new Error(`record file ${this.path}: no member key at byte ${start}`);
    const key = head.subarray(0, tab).toString("utf8");
    this.offsets.set(key, { start, length: end - start });
  }
}
