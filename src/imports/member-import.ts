import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import type { DataSource } from "typeorm";
import { ImportRowErrorEntity } from "../db/entities";
import type { TransactionRunner } from "../db/transaction-runner";
import type { MemberRecord } from "../sources/member-record";
import { readCachedRecords } from "../sync/cached-records";
import type { SyncService } from "../sync/sync.service";
import { ImportError, ImportErrorCode } from "./import.error";
import { ALL_COLUMNS, KEY_COLUMN } from "./member-csv.columns";
import { type ImportMode, readRow, type RowError } from "./member-csv.rows";

/** Rows read, checked (and, merging, matched with the cache) and written together. */
const BATCH_ROWS = 500;
/** Skipped rows kept per import; the count goes on past it. */
const MAX_KEPT_ERRORS = 10_000;
const MAX_REASON_CHARS = 500;

export interface ImportOptions {
  mode: ImportMode;
  /** Check every row and report, writing nothing (no run either). */
  dryRun: boolean;
}

export interface ImportReport {
  /** The IMPORT run; null for a dry run. */
  runId: string | null;
  mode: ImportMode;
  dryRun: boolean;
  /** Data rows read (the header not counted). */
  rows: number;
  /** Rows written (or, in a dry run, that would be). */
  imported: number;
  skipped: number;
  /** The first skipped rows, in file order. */
  errors: RowError[];
}

interface PendingRow {
  row: number;
  cells: Record<string, string>;
}

/**
 * Imports members from CSV (DESIGN §12): streamed through csv-parse, a batch of rows at a time,
 * each good row written through the intake in one IMPORT run, each bad row skipped and reported
 * with its number, column and reason (kept with the run for `importRun`).
 */
export class MemberImporter {
  constructor(private readonly deps: { sync: SyncService; dataSource: DataSource; transactions: TransactionRunner }) {}

  async run(input: Readable, options: ImportOptions): Promise<ImportReport> {
    const report: ImportReport = { runId: null, mode: options.mode, dryRun: options.dryRun, rows: 0, imported: 0, skipped: 0, errors: [] };
    // Never thrown from inside the parser (it would escape the stream): kept, then thrown here.
    let headerProblem: ImportError | undefined;
    const columns = (header: string[]) => {
      const names = header.map((name) => name.trim());
      headerProblem = checkHeader(names);
      return names;
    };
    // Row numbers come from the parser as it reads (the header is row 1), skipped records included.
    let skips = 0;
    const parser = input.pipe(
      parse({
        bom: true,
        columns,
        skip_empty_lines: true,
        skip_records_with_error: true,
        on_record: (cells: Record<string, string>, context: { records: number }) => ({ cells, row: context.records + skips + 1 }),
      }),
    );
    input.on("error", (error) => parser.destroy(error));
    let skippedByParser: RowError[] = [];
    parser.on("skip", (error: Error & { records?: number }) => {
      skippedByParser.push({ row: (error.records ?? 0) + skips + 2, column: null, reason: error.message });
      skips += 1;
      report.rows += 1;
    });
    if (!options.dryRun) report.runId = (await this.deps.sync.beginImport(`CSV import (${options.mode})`)).id;
    let batch: PendingRow[] = [];
    try {
      for await (const pending of parser as AsyncIterable<PendingRow>) {
        if (headerProblem) throw headerProblem;
        report.rows += 1;
        batch.push(pending);
        if (batch.length >= BATCH_ROWS) {
          await this.write(batch, skippedByParser, options, report);
          [batch, skippedByParser] = [[], []];
        }
      }
      if (headerProblem) throw headerProblem;
      await this.write(batch, skippedByParser, options, report);
    } catch (error) {
      if (report.runId) await this.deps.sync.failImport(report.runId, `the import stopped after ${report.rows} rows: ${messageOf(error)}`);
      if (error instanceof ImportError) throw error;
      throw new ImportError(ImportErrorCode.UNREADABLE, `The CSV could not be read after ${report.rows} rows: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (report.runId) await this.deps.sync.endImport(report.runId);
    return report;
  }

  private async write(batch: PendingRow[], skipped: RowError[], options: ImportOptions, report: ImportReport): Promise<void> {
    const errors: RowError[] = [...skipped];
    const keys = batch.map((pending) => (pending.cells[KEY_COLUMN] ?? "").trim()).filter((key) => key !== "");
    const cached = options.mode === "merge" ? await readCachedRecords(this.deps.dataSource, keys) : new Map<string, MemberRecord>();
    const records: MemberRecord[] = [];
    const rowOf = new Map<string, number>();
    for (const pending of batch) {
      const read = readRow(pending.row, pending.cells, options.mode, cached.get((pending.cells[KEY_COLUMN] ?? "").trim()));
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
    report.imported += written;
    report.skipped += skippedRows;
    await this.keep(errors, report);
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

/** The header must name LegacyContactKey and only known columns; otherwise nothing is imported. */
function checkHeader(names: string[]): ImportError | undefined {
  const unknown = names.filter((name) => !ALL_COLUMNS.includes(name));
  if (unknown.length > 0) {
    return new ImportError(
      ImportErrorCode.BAD_HEADER,
      `Unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => JSON.stringify(name.slice(0, 60))).join(", ")} (see the template: npm run import:template)`,
    );
  }
  if (!names.includes(KEY_COLUMN)) return new ImportError(ImportErrorCode.BAD_HEADER, `The header has no ${KEY_COLUMN} column`);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  return duplicate ? new ImportError(ImportErrorCode.BAD_HEADER, `The column ${duplicate} appears twice`) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
