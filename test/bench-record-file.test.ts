import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { RecordFileReader, RecordFileWriter } from "../bench/write-path/record-file";
import { memberRecord } from "./support/records";

describe("bench record file", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "record-file-"));
  const file = path.join(folder, "members.tsv");
  const keys = Array.from({ length: 50 }, (_, index) => `M${String(index).padStart(4, "0")}`);
  let reader: RecordFileReader;

  before(async () => {
    const writer = new RecordFileWriter(file);
    // Names of varying length and one non-ASCII, so the lines have uneven byte lengths.
    writer.append(keys.slice(0, 20).map((key, index) => memberRecord(key, { firstName: `Zoë${"x".repeat(index)}` })));
    writer.append(keys.slice(20).map((key) => memberRecord(key, { sourceUpdatedAt: new Date("2026-01-02T03:04:05Z") })));
    writer.close();
    reader = await RecordFileReader.open(file);
  });
  after(() => {
    reader.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("reads the keys asked for, each its own record, with one read of their span or line by line", () => {
    for (const asked of [keys.slice(5, 25), [keys[0]!, keys[49]!], [keys[30]!, "M9999", keys[2]!]]) {
      const records = reader.readMany(asked);
      assert.deepEqual([...records.keys()].sort(), asked.filter((key) => key !== "M9999").sort());
      for (const [key, record] of records) {
        assert.equal(record.memberKey, key);
        const index = Number(key.slice(1));
        if (index < 20) assert.equal(record.firstName, `Zoë${"x".repeat(index)}`);
        else assert.deepEqual(record.sourceUpdatedAt, new Date("2026-01-02T03:04:05Z"));
      }
    }
  });

  it("hands every record out once, in file order, in chunks", async () => {
    const seen: string[] = [];
    for await (const chunk of reader.chunks(16)) {
      assert.ok(chunk.length <= 16);
      seen.push(...chunk.map((record) => record.memberKey));
    }
    assert.deepEqual(seen, keys);
  });
});
