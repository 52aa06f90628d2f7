import path from "node:path";
import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { ImportError } from "./import.error";
import type { RowError } from "./member-csv.rows";
import type { CheckedRow, FromRowChecker, RowCheckSetup, ToRowChecker } from "./row-check.protocol";

/** Chunks of the upload handed to the checker and not yet taken by its parser; past this the upload pauses. */
const CHUNKS_AHEAD = 4;
const WORKER_FILE = path.join(__dirname, "row-check.worker.js");
/**
 * The checker holds a few chunks and messages of rows at a time, so a small heap is plenty; its
 * garbage is collected sooner than under the default limits, which kept the import's resident
 * memory growing with the file. A record too large even for this fails the import clearly.
 */
const CHECKER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 };

/** An upload being parsed and checked row by row on a thread of its own. */
export interface CheckedRows {
  /** Every row in file order; throws the file's own fault (its header, or unreadable). */
  rows: AsyncIterable<CheckedRow>;
  /** Rows the parser itself could not read, taken since the last call. */
  takeSkipped(): RowError[];
  /** Stops the checker (at the end, or when the import gives up). */
  close(): Promise<void>;
}

/**
 * Parses and checks `input` on a worker thread (row-check.worker.ts), so that the parsing and
 * the schema check of each row run beside the writer instead of on its thread. Both directions
 * are bounded: the upload pauses while the checker has {@link CHUNKS_AHEAD} chunks unparsed, and
 * the checker waits while the importer has not taken the rows it sent.
 */
export function checkRowsOnThread(input: Readable, setup: RowCheckSetup): CheckedRows {
  const worker = new Worker(WORKER_FILE, { workerData: setup, resourceLimits: CHECKER_HEAP });
  const post = (message: ToRowChecker, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);
  const inbox = new Inbox();
  let skipped: RowError[] = [];
  let unparsed = 0;
  input.on("data", (chunk: Buffer | string) => {
    // A copy: socket chunks share a pooled buffer that must not be moved to another thread.
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
    post({ kind: "chunk", bytes }, [bytes.buffer as ArrayBuffer]);
    unparsed += 1;
    if (unparsed >= CHUNKS_AHEAD) input.pause();
  });
  input.on("end", () => post({ kind: "end" }));
  input.on("error", (error) => {
    post({ kind: "abort", reason: error.message });
    inbox.fail(error);
  });
  worker.on("message", (message: FromRowChecker) => {
    if (message.kind !== "took") return inbox.push(message);
    unparsed -= 1;
    if (unparsed < CHUNKS_AHEAD && input.isPaused()) input.resume();
  });
  worker.on("error", (error) => inbox.fail(error));
  worker.on("exit", (code) => inbox.fail(new Error(`the row checker stopped (exit code ${code})`)));

  async function* rows(): AsyncGenerator<CheckedRow> {
    for (;;) {
      const message = await inbox.next();
      if (message.kind === "fault") throw message.code ? new ImportError(message.code, message.message) : new Error(message.message);
      skipped.push(...message.skipped);
      if (message.kind === "done") return;
      post({ kind: "credit" });
      yield* message.rows;
    }
  }
  return {
    rows: rows(),
    takeSkipped() {
      const taken = skipped;
      skipped = [];
      return taken;
    },
    async close() {
      input.pause();
      await worker.terminate();
    },
  };
}

type Delivered = Exclude<FromRowChecker, { kind: "took" }>;

/** The checker's messages in order, or the first failure once they run out. */
class Inbox {
  private readonly queue: Delivered[] = [];
  private failure: Error | undefined;
  private waiter: ((value: undefined) => void) | undefined;

  push(message: Delivered): void {
    this.queue.push(message);
    this.waiter?.(undefined);
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.waiter?.(undefined);
  }

  async next(): Promise<Delivered> {
    for (;;) {
      const message = this.queue.shift();
      if (message) return message;
      if (this.failure) throw this.failure;
      await new Promise<undefined>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }
}
