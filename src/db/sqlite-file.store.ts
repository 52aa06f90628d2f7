import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Persists the embedded SQLite image to disk. sql.js lives in memory and hands us a full
 * image after each commit; writing every one would rewrite the whole file many times a
 * second during a sync, so writes are coalesced: at most one per `intervalMs`, always of the
 * newest committed image (each image is a consistent post-commit snapshot, so the queue and
 * the poll cursor on disk always agree). `flush()` writes what is pending, at shutdown.
 */
export class SqliteFileStore {
  private pending: Uint8Array | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly intervalMs = 1_000,
  ) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }

  save(image: Uint8Array): void {
    this.pending = image;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const image = this.pending;
    this.pending = undefined;
    if (image === undefined) return;
    // Write beside, then rename: a crash mid-write never leaves a torn database file.
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, image);
    renameSync(temporary, this.file);
  }
}
