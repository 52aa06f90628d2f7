import type { Readable } from "node:stream";
import type { DataSource } from "typeorm";
import { ImportRowErrorEntity, MemberEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { MemberRecord } from "../sources/member-record";
import { readCachedRecords } from "../sync/cached-records";
import type { SyncService } from "../sync/sync.service";
import { checkRowsOnThread } from "./checked-rows";
import { ImportError, ImportErrorCode } from "./import.error";
import { type ImportMode, type RowError, readRow } from "./member-csv.rows";
import { absentKeys, checkReplace, keysOf, spooled } from "./replace-plan";
import type { CheckedRow } from "./row-check.protocol";

/** Rows read, checked (and, merging, matched with the cache) and written together. */
const BATCH_ROWS = 500;
/** Skipped rows kept per import; the count goes on past it. */
const MAX_KEPT_ERRORS = 10_000;
const MAX_REASON_CHARS = 500;

export interface ImportOptions {
  mode: ImportMode;
  /** Check every row and report, writing nothing (no run either). */
  dryRun: boolean;
  /** Replace even when more members would be disabled than the configured share. */
  force?: boolean;
  /** Told after each batch of rows. */
  onProgress?: (progress: ImportProgress) => void;
}

/** How far an import got. */
export interface ImportProgress {
  /** Data rows read (the header not counted). */
  rows: number;
  /** Rows written (or, in a dry run, that would be). */
  imported: number;
  skipped: number;
}

export interface ImportReport extends ImportProgress {
  /** The IMPORT run; null for a dry run. */
  runId: string | null;
  mode: ImportMode;
  dryRun: boolean;
  /** Cached members a replace disabled (or, in a dry run, would) because the file left them out. */
  disabled: number;
  /** The first skipped rows, in file order. */
  errors: RowError[];
}

/** A batch's rows read as new members, with the parser's own refusals since the batch before. */
interface CheckedBatch {
  rows: CheckedRow[];
  skipped: RowError[];
}

interface ImporterDeps {
  sync: SyncService;
  dataSource: DataSource;
  transactions: TransactionRunner;
  /** See IMPORT_REPLACE_MAX_DISABLE_SHARE. */
  replaceMaxDisableShare: number;
}

/**
 * Imports members from CSV (DESIGN §12): streamed through csv-parse, a batch of rows at a time,
 * each good row written through the intake in one IMPORT run, each bad row skipped and reported
 * with its number, column and reason (kept with the run for `importRun`). The run starts only once
 * the header is known good. A replace treats the file as the whole membership: it is read twice
 * (held in a temporary file), first to judge how many members it would disable, then to import,
 * and ends by disabling the cached members the file left out.
 */
export class MemberImporter {
  constructor(private readonly deps: ImporterDeps) {}

  async run(input: Readable, options: ImportOptions): Promise<ImportReport> {
    const report: ImportReport = {
      runId: null,
      mode: options.mode,
      dryRun: options.dryRun,
      rows: 0,
      imported: 0,
      skipped: 0,
      disabled: 0,
      errors: [],
    };
    if (options.mode === "merge") return this.importRows(input, options, report);
    return spooled(input, async (open) => {
      const inFile = await this.read(() => keysOf(open()));
      report.disabled = await checkReplace(this.deps.dataSource, inFile, this.deps.replaceMaxDisableShare, options.force ?? false);
      await this.importRows(open(), options, report, inFile);
      return report;
    });
  }

  /** Reads the rows into the cache; with `inFile` (a replace), disables the members it leaves out. */
  private async importRows(input: Readable, options: ImportOptions, report: ImportReport, inFile?: Set<string>): Promise<ImportReport> {
    // Parsed and checked on a thread of its own; this one is left to the writer.
    const reading = checkRowsOnThread(input, { mode: options.mode });
    let begun = false;
    // The checker sends rows only once the header is known good: the run starts with the first.
    const begin = async () => {
      if (!options.dryRun && !report.runId) report.runId = (await this.deps.sync.beginImport(`CSV import (${options.mode})`)).id;
      begun = true;
    };
    let batch: CheckedRow[] = [];
    // One batch is written while the next one is gathered; writes stay one at a time, in file order.
    let writing: Promise<void> = Promise.resolve();
    const next = async (rows: CheckedRow[]) => {
      const checked = { rows, skipped: reading.takeSkipped() };
      await writing;
      writing = this.write(checked, options, report);
      writing.catch(() => undefined); // handled where it is awaited, possibly after more rows are read
    };
    try {
      for await (const row of reading.rows) {
        if (!begun) await begin();
        batch.push(row);
        if (batch.length >= BATCH_ROWS) {
          await next(batch);
          batch = [];
        }
      }
      await begin();
      await next(batch);
      await writing;
      if (inFile && report.runId) report.disabled = await this.disableAbsent(report.runId, inFile);
    } catch (error) {
      if (report.runId) await this.deps.sync.failImport(report.runId, `the import stopped after ${report.rows} rows: ${messageOf(error)}`);
      throw asImportError(error, report.rows);
    } finally {
      await reading.close();
    }
    if (report.runId) await this.deps.sync.endImport(report.runId);
    return report;
  }

  /** A first read (a replace's keys): only the file's own faults are refusals. */
  private async read<T>(pass: () => Promise<T>): Promise<T> {
    try {
      return await pass();
    } catch (error) {
      throw asImportError(error, 0);
    }
  }

  private async disableAbsent(runId: string, inFile: ReadonlySet<string>): Promise<number> {
    let disabled = 0;
    for await (const page of absentKeys(this.deps.dataSource, inFile)) {
      await this.deps.sync.disableImportAbsent(runId, page);
      disabled += page.length;
    }
    return disabled;
  }

  private async write({ rows, skipped }: CheckedBatch, options: ImportOptions, report: ImportReport): Promise<void> {
    const errors: RowError[] = [...skipped];
    const keys = rows.map((row) => row.key).filter((key) => key !== "");
    // Merging starts from the cache, read now that the batches before are written; most rows of a
    // first load are new, so only known keys are read whole, and only their rows read again.
    const known = options.mode === "merge" ? await this.knownKeys(keys) : [];
    const cached = known.length > 0 ? await readCachedRecords(this.deps.dataSource, known) : new Map<string, MemberRecord>();
    const records: MemberRecord[] = [];
    const rowOf = new Map<string, number>();
    for (const { pending, key, read: first } of rows) {
      const onCache = cached.get(key);
      const read = onCache ? readRow(pending.row, pending.cells, options.mode, onCache) : first;
      if (Array.isArray(read)) errors.push(...read);
      else {
        records.push(read);
        rowOf.set(read.memberKey, pending.row);
      }
    }
    let written = records.length;
    if (!options.dryRun && records.length > 0) {
      const results = await this.deps.sync.importRecords(report.runId!, records);
      for (const result of results) {
        if ("error" in result) errors.push({ row: rowOf.get(result.memberKey) ?? 0, column: null, reason: result.error });
      }
      written = results.filter((result) => !("error" in result)).length;
    }
    errors.sort((a, b) => a.row - b.row);
    const skippedRows = new Set(errors.map((error) => error.row)).size;
    // Refused by the cache, a row is already failed on the run; refused here, it is counted now.
    const refusedBeforeWriting = skippedRows - (records.length - written);
    if (report.runId) await this.deps.sync.countSkipped(report.runId, refusedBeforeWriting);
    report.rows += rows.length + skipped.length;
    report.imported += written;
    report.skipped += skippedRows;
    await this.keep(errors, report);
    options.onProgress?.({ rows: report.rows, imported: report.imported, skipped: report.skipped });
  }

  private async knownKeys(keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await this.deps.dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder("m")
      .select("m.memberKey", "memberKey")
      .where("m.memberKey IN (:...keys)", { keys: [...new Set(keys)] })
      .getRawMany<{ memberKey: string }>();
    return rows.map((row) => row.memberKey);
  }

  private async keep(errors: RowError[], report: ImportReport): Promise<void> {
    const room = Math.max(0, MAX_KEPT_ERRORS - report.errors.length);
    const kept = errors.slice(0, room).map((error) => ({ ...error, reason: error.reason.slice(0, MAX_REASON_CHARS) }));
    if (kept.length === 0) return;
    const first = report.errors.length;
    report.errors.push(...kept);
    if (!report.runId) return;
    const runId = report.runId;
    await this.deps.transactions.run((manager) =>
      manager.insert(
        ImportRowErrorEntity,
        kept.map((error, index) => ({
          runId,
          position: first + index + 1,
          rowNumber: error.row,
          columnName: error.column?.slice(0, 120) ?? null,
          reason: error.reason,
        })),
      ),
    );
  }
}

function asImportError(error: unknown, rows: number): ImportError {
  if (error instanceof ImportError) return error;
  return new ImportError(ImportErrorCode.UNREADABLE, `The CSV could not be read after ${rows} rows: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
