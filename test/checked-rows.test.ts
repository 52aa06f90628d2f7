import assert from "node:assert/strict";
import { once } from "node:events";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { checkRowsOnThread } from "../src/imports/checked-rows";
import { ImportError, ImportErrorCode } from "../src/imports/import.error";

const HEADER = "LegacyContactKey,FirstName,LastName,EmailAddress";
const line = (index: number) => `CR-${index},First${index},Last${index},c${index}@example.org\n`;

/** A CSV of `rows` rows made as it is read, counting the bytes handed out. */
function lazyCsv(rows: number, fail?: { afterRows: number; error: Error }) {
  let next = -1;
  let bytes = 0;
  const stream = new Readable({
    read() {
      for (let pushed = 0; pushed < 200; pushed += 1) {
        if (fail && next >= fail.afterRows) {
          this.destroy(fail.error);
          return;
        }
        if (next >= rows) {
          this.push(null);
          return;
        }
        const text = next < 0 ? `${HEADER}\n` : line(next);
        next += 1;
        bytes += text.length;
        if (!this.push(text)) return;
      }
    },
  });
  let ended = false;
  stream.on("end", () => (ended = true));
  /** Resolves once the stream is paused; fails if it was read to its end instead. */
  const pausedOrEnded = async () => {
    while (!stream.isPaused()) {
      if (ended) assert.fail("the whole file was read with nobody taking the rows");
      await Promise.race([once(stream, "pause"), once(stream, "end")]);
    }
  };
  return { stream, bytesRead: () => bytes, pausedOrEnded };
}

describe("CSV rows checked on a thread of their own", () => {
  it("hands over every row in file order, each read as a member, with the parser's skipped rows", async () => {
    const csv = Readable.from([`${HEADER}\nCR-1,Ada,Lovelace,ada@example.org\n,No,Key,\nCR-2,"only, two"\nCR-3,Grace,Hopper,\n`]);
    const reading = checkRowsOnThread(csv, { mode: "merge" });
    try {
      const rows = [];
      for await (const row of reading.rows) rows.push(row);
      assert.deepEqual(
        rows.map((row) => [row.pending.row, row.key]),
        [
          [2, "CR-1"],
          [3, ""],
          [5, "CR-3"],
        ],
      );
      assert.equal(Array.isArray(rows[0]!.read) ? null : rows[0]!.read.lastName, "Lovelace");
      assert.deepEqual(
        (rows[1]!.read as Array<{ column: string | null }>).map((fault) => fault.column),
        ["LegacyContactKey"],
      );
      const skipped = reading.takeSkipped();
      assert.deepEqual(
        skipped.map((fault) => fault.row),
        [4],
        "the row with too few cells is the parser's own refusal",
      );
    } finally {
      await reading.close();
    }
  });

  it("refuses a bad header before any row, with the header's code", async () => {
    const reading = checkRowsOnThread(Readable.from([`${HEADER},Shoe size\nCR-1,A,B,a@example.org,44\n`]), { mode: "merge" });
    try {
      await assert.rejects(
        async () => {
          for await (const _row of reading.rows) assert.fail("no row may come from a file with a bad header");
        },
        (error: unknown) => error instanceof ImportError && error.code === ImportErrorCode.BAD_HEADER && /Shoe size/.test(error.message),
      );
    } finally {
      await reading.close();
    }
  });

  it("pauses the upload while nobody takes the rows, so memory stays bounded", async () => {
    const total = 50_000;
    const csv = lazyCsv(total);
    const reading = checkRowsOnThread(csv.stream, { mode: "merge" });
    try {
      const iterator = reading.rows[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      // Nothing else is taken: the checker fills what it may send ahead, stops taking chunks, and the upload pauses.
      await csv.pausedOrEnded();
      // Some turns of the event loop for the checker's messages to come in; without the bound the rest of the file would be read meanwhile.
      for (let turn = 0; turn < 500; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(csv.stream.isPaused(), "the upload is still paused");
      const readWhilePaused = csv.bytesRead();
      assert.ok(
        readWhilePaused < 200_000,
        `a bounded part of the ~2 MB file was read while the rows were not taken (${readWhilePaused} bytes)`,
      );
      let count = 1;
      for (let step = await iterator.next(); !step.done; step = await iterator.next()) count += 1;
      assert.equal(count, total, "once taken, every row comes");
    } finally {
      await reading.close();
    }
  });

  it("a broken upload ends the rows with its error, not a hang", async () => {
    const csv = lazyCsv(10_000, { afterRows: 3_000, error: new Error("the client went away") });
    const reading = checkRowsOnThread(csv.stream, { mode: "merge" });
    let count = 0;
    try {
      await assert.rejects(async () => {
        for await (const _row of reading.rows) count += 1;
      }, /the client went away/);
      assert.ok(count < 3_000, `rows after the break are never handed over (${count})`);
    } finally {
      await reading.close();
    }
  });
});
