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

/** Lines further apart than this are read one by one. */
const MAX_SPAN_BYTES = 8 * 1024 * 1024;

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
    return this.readMany([memberKey]).get(memberKey);
  }

  /**
   * The records of `keys` that the file holds. A fetch asks for keys next to one another in
   * the file, so their lines are read with one read of the span they cover (a read per line
   * cost about 9 µs a record inside the timed load, as much as a tenth of the write path's own
   * work), or line by line when they lie too far apart for that to pay.
   */
  readMany(keys: readonly string[]): Map<string, MemberRecord> {
    const entries = keys.flatMap((key) => {
      const entry = this.offsets.get(key);
      return entry ? [{ key, ...entry }] : [];
    });
    const records = new Map<string, MemberRecord>();
    if (entries.length === 0) return records;
    const start = Math.min(...entries.map((entry) => entry.start));
    const end = Math.max(...entries.map((entry) => entry.start + entry.length));
    const wanted = entries.reduce((sum, entry) => sum + entry.length, 0);
    if (end - start > MAX_SPAN_BYTES || wanted * 2 < end - start) {
      for (const entry of entries) records.set(entry.key, this.decode(this.readBytes(entry.start, entry.length), 0, entry.length));
      return records;
    }
    const span = this.readBytes(start, end - start);
    for (const entry of entries) records.set(entry.key, this.decode(span, entry.start - start, entry.start - start + entry.length));
    return records;
  }

  /** Records in file (key) order, `size` at a time. */
  async *chunks(size: number): AsyncGenerator<MemberRecord[]> {
    const keys = [...this.offsets.keys()];
    for (let start = 0; start < keys.length; start += size) {
      const part = keys.slice(start, start + size);
      const records = this.readMany(part);
      yield part.map((key) => records.get(key)!);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private readBytes(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    readSync(this.fd, buffer, 0, length, position);
    return buffer;
  }

  /** The record on the line at `start`–`end` of `buffer` (the key and its tab skipped). */
  private decode(buffer: Buffer, start: number, end: number): MemberRecord {
    return revive(buffer.toString("utf8", buffer.indexOf(9, start) + 1, end));
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
