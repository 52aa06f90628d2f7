import { Presets, SingleBar } from "cli-progress";
import type { ImportProgress } from "./member-import";

/** Shortest gap between two plain progress lines. */
const PLAIN_EVERY_MS = 1_000;

export interface ProgressView {
  sent(bytes: number): void;
  progress(progress: ImportProgress): void;
  stop(): void;
}

/**
 * What `npm run import` shows while the gateway works: on a terminal a cli-progress bar (share of
 * the file sent, rows read, imported and bad); otherwise (a pipe, a CI log) a plain line at most
 * once a second, so logs stay readable.
 */
export function progressView(stream: NodeJS.WritableStream, fileBytes: number, now: () => number): ProgressView {
  if ((stream as { isTTY?: boolean }).isTTY === true) return barView(stream, fileBytes);
  let lastAt = Number.NEGATIVE_INFINITY;
  let last: ImportProgress | undefined;
  let printed: ImportProgress | undefined;
  const print = (progress: ImportProgress) => {
    stream.write(`${describeProgress(progress)}\n`);
    printed = progress;
  };
  return {
    sent: () => undefined,
    progress(progress) {
      last = progress;
      if (now() - lastAt < PLAIN_EVERY_MS) return;
      lastAt = now();
      print(progress);
    },
    stop() {
      if (last && last !== printed) print(last);
    },
  };
}

export function describeProgress(progress: ImportProgress): string {
  return `progress: ${progress.rows} rows read, ${progress.imported} imported, ${progress.skipped} bad`;
}

function barView(stream: NodeJS.WritableStream, fileBytes: number): ProgressView {
  const bar = new SingleBar(
    {
      stream: stream as NodeJS.WritableStream & { isTTY: true },
      format: "importing [{bar}] {percentage}% sent | {rows} rows read, {imported} imported, {skipped} bad",
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(Math.max(1, fileBytes), 0, { rows: 0, imported: 0, skipped: 0 });
  return {
    sent: (bytes) => bar.update(bytes),
    progress: (progress) => bar.update({ ...progress }),
    stop: () => bar.stop(),
  };
}
