import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { buildApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { KEY_COLUMN } from "../../src/imports/member-csv.columns";
import { readRow } from "../../src/imports/member-csv.rows";
import type { MemberRecord } from "../../src/sources/member-record";
import { freshSchema } from "../support/bench-database";
import { startMemorySampler } from "../support/memory-sampler";
import { BENCH_ADMIN_KEY } from "../support/production-runtime";
import { type Spread, spreadOf } from "../support/stats";

export interface CsvImportSettings {
  /** Row counts, each with its repetitions. */
  sizes: Array<{ rows: number; repetitions: number }>;
}

export interface CsvImportFigures {
  rows: number;
  importPerSecond: Spread;
  refreshPerSecond: Spread;
  ratio: Spread;
  importPeakRssMb: Spread;
  heapAfterMb: Spread;
}

const HEADER = "LegacyContactKey,FirstName,LastName,EmailAddress,MemberType,MemberSince,IsActive,CommunityGroups";
const BATCH = 500;

/** Writes `rows` member rows to a file, streamed (never held whole). */
async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${HEADER}\n`);
  for (let index = 0; index < rows; index += 1) {
    const key = `CSV-${String(index).padStart(7, "0")}`;
    const line = `${key},First${index},Last${index},m${index}@example.org,Regular,2015-0${(index % 9) + 1}-15,true,CH-${index % 40}|Chapter ${index % 40}|Chapter|Member||\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

async function withApp<T>(
  databaseUrl: string,
  use: (app: Awaited<ReturnType<typeof buildApp>>, baseUrl: string) => Promise<T>,
): Promise<T> {
  await freshSchema(databaseUrl);
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEYS: BENCH_ADMIN_KEY,
    SYNC_ENABLED: "false",
    AMS_SOURCE: "spreadsheet",
    LOG_LEVEL: "silent",
  });
  const app = await buildApp(config);
  const { port } = await app.start(0, "127.0.0.1");
  try {
    return await use(app, `http://127.0.0.1:${port}`);
  } finally {
    await app.stop();
  }
}

/** The real import path: the file streamed to POST /admin/imports (merge). */
async function timeImport(databaseUrl: string, file: string, rows: number) {
  return withApp(databaseUrl, async (_app, baseUrl) => {
    const sampler = startMemorySampler(50);
    const started = performance.now();
    const response = await fetch(`${baseUrl}/admin/imports?mode=merge`, {
      method: "POST",
      headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, "content-type": "text/csv" },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    const report = (await response.json()) as { imported: number };
    const seconds = (performance.now() - started) / 1000;
    const memory = sampler.stop();
    if (report.imported !== rows) throw new Error(`imported ${report.imported} of ${rows}: ${JSON.stringify(report).slice(0, 300)}`);
    (globalThis as { gc?: () => void }).gc?.();
    return { perSecond: rows / seconds, peakRssMb: memory.sampledPeakRssMb, heapAfterMb: process.memoryUsage().heapUsed / 2 ** 20 };
  });
}

/** The plain refresh write path: the same records, read beforehand, fed to the intake's writer in batches. */
async function timeRefresh(databaseUrl: string, file: string, rows: number) {
  const batches: MemberRecord[][] = [];
  let batch: MemberRecord[] = [];
  for await (const cells of createReadStream(file).pipe(parse({ columns: true })) as AsyncIterable<Record<string, string>>) {
    const record = readRow(0, cells, "merge", undefined);
    if (Array.isArray(record)) throw new Error(`bad generated row ${cells[KEY_COLUMN]}`);
    batch.push(record);
    if (batch.length === BATCH) [batches[batches.length], batch] = [batch, []];
  }
  if (batch.length > 0) batches.push(batch);
  return withApp(databaseUrl, async (app) => {
    const run = await app.sync.service.beginImport("bench: refresh write path");
    const started = performance.now();
    for (const records of batches) await app.sync.internals.intake.writeRecords({ runId: run.id, records });
    return { perSecond: rows / ((performance.now() - started) / 1000) };
  });
}

/** Import vs the refresh write path over the same rows, alternating, each repetition on a fresh schema. */
export async function runCsvImport(
  databaseUrl: string,
  settings: CsvImportSettings,
  log: (line: string) => void,
): Promise<CsvImportFigures[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "amsgate-bench-csv-"));
  const figures: CsvImportFigures[] = [];
  try {
    for (const { rows, repetitions } of settings.sizes) {
      const file = path.join(dir, `members-${rows}.csv`);
      await generate(file, rows);
      const imports: Array<Awaited<ReturnType<typeof timeImport>>> = [];
      const refreshes: number[] = [];
      for (let repetition = 1; repetition <= repetitions; repetition += 1) {
        const refresh = await timeRefresh(databaseUrl, file, rows);
        const imported = await timeImport(databaseUrl, file, rows);
        refreshes.push(refresh.perSecond);
        imports.push(imported);
        log(
          `csv ${rows} #${repetition}: import ${imported.perSecond.toFixed(0)}/s (peak RSS ${imported.peakRssMb.toFixed(0)} MB), refresh path ${refresh.perSecond.toFixed(0)}/s`,
        );
      }
      figures.push({
        rows,
        importPerSecond: spreadOf(imports.map((run) => run.perSecond)),
        refreshPerSecond: spreadOf(refreshes),
        ratio: spreadOf(imports.map((run, index) => run.perSecond / refreshes[index]!)),
        importPeakRssMb: spreadOf(imports.map((run) => run.peakRssMb)),
        heapAfterMb: spreadOf(imports.map((run) => run.heapAfterMb)),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** The Markdown table for BENCHMARKS.md. */
export function formatCsvImport(figures: CsvImportFigures[]): string {
  const cell = (spread: Spread, digits = 0) =>
    `${spread.median.toFixed(digits)} (${spread.min.toFixed(digits)}–${spread.max.toFixed(digits)})`;
  const lines = [
    "### CSV import vs the refresh write path",
    "",
    "| rows | runs | import members/s | refresh path members/s | ratio (target ≥ 0.8) | import peak RSS MB | heap after MB |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) =>
        `| ${f.rows} | ${f.ratio.count} | ${cell(f.importPerSecond)} | ${cell(f.refreshPerSecond)} | ${cell(f.ratio, 2)} | ${cell(f.importPeakRssMb)} | ${cell(f.heapAfterMb)} |`,
    ),
  ];
  const [small, large] = [figures[0], figures.at(-1)];
  if (small && large && small !== large) {
    lines.push(
      "",
      `Peak RSS at ${large.rows} rows / at ${small.rows} rows: ${(large.importPeakRssMb.median / small.importPeakRssMb.median).toFixed(2)}× (target: roughly flat).`,
    );
  }
  return lines.join("\n");
}
