import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DataSource } from "typeorm";
import { MemberEntity } from "../db/entities";
import { ImportError, ImportErrorCode } from "./import.error";
import { KEY_COLUMN } from "./member-csv.columns";
import { readCsv } from "./member-csv.parse";

const PAGE_KEYS = 1_000;

/**
 * Holds the upload in a temporary file, so a replace import can read it twice: once for its keys
 * (to judge what it would disable, before writing anything), once to import. Memory stays flat.
 */
export async function spooled<T>(input: Readable, use: (open: () => Readable) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "amsgate-import-"));
  const file = path.join(dir, "upload.csv");
  try {
    await pipeline(input, createWriteStream(file));
    return await use(() => createReadStream(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every non-blank key the file names, bad rows included: a member on a bad row is not left out. */
export async function keysOf(input: Readable): Promise<Set<string>> {
  const reading = readCsv(input);
  const keys = new Set<string>();
  for await (const pending of reading.rows) {
    reading.checkHeader();
    const key = (pending.cells[KEY_COLUMN] ?? "").trim();
    if (key !== "") keys.add(key);
  }
  reading.checkHeader();
  return keys;
}

/** Cached members not yet DISABLED, in key order, a page at a time. */
async function* enabledKeys(dataSource: DataSource): AsyncGenerator<string[]> {
  for (let after = ""; ; ) {
    const rows = await dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder("m")
      .select("m.memberKey", "memberKey")
      .where("m.status <> :disabled AND m.memberKey > :after", { disabled: "DISABLED", after })
      .orderBy("m.memberKey", "ASC")
      .limit(PAGE_KEYS)
      .getRawMany<{ memberKey: string }>();
    if (rows.length === 0) return;
    yield rows.map((row) => row.memberKey);
    after = rows.at(-1)!.memberKey;
  }
}

/** The enabled cached members the file leaves out, a page at a time. */
export async function* absentKeys(dataSource: DataSource, inFile: ReadonlySet<string>): AsyncGenerator<string[]> {
  for await (const page of enabledKeys(dataSource)) {
    const absent = page.filter((key) => !inFile.has(key));
    if (absent.length > 0) yield absent;
  }
}

/**
 * How many members the replace would disable; refused (nothing written) when that is more than
 * `maxShare` of the enabled cached members, unless forced.
 */
export async function checkReplace(dataSource: DataSource, inFile: ReadonlySet<string>, maxShare: number, force: boolean): Promise<number> {
  let enabled = 0;
  let absent = 0;
  for await (const page of enabledKeys(dataSource)) {
    enabled += page.length;
    absent += page.filter((key) => !inFile.has(key)).length;
  }
  if (!force && absent > maxShare * enabled) {
    throw new ImportError(
      ImportErrorCode.REPLACE_LIMIT,
      `Refused: this replace would disable ${absent} of ${enabled} enabled members (${percent(absent / enabled)}), more than ` +
        `IMPORT_REPLACE_MAX_DISABLE_SHARE allows (${percent(maxShare)}, at most ${Math.floor(maxShare * enabled)}); nothing was written. ` +
        "Check the file, or force it (force=true, npm run import -- --force).",
    );
  }
  return absent;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}
