import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import http from "node:http";
import { pipeline } from "node:stream/promises";
import { type ChildHandle, startChild } from "../support/child-rpc";
import { BENCH_ADMIN_KEY, PRODUCTION_RUNTIME } from "../support/production-runtime";
import { type Spread, spreadOf } from "../support/stats";
import type { CsvLoadResult } from "./csv-load.child";

export interface CsvImportSettings {
  /** Row counts, each with its repetitions. */
  sizes: Array<{ rows: number; repetitions: number }>;
}

export interface CsvImportFigures {
  rows: number;
  importPerSecond: Spread;
  refreshPerSecond: Spread;
  ratio: Spread;
  /** The import process's peak RSS (the kernel's high-water mark), and what it started at. */
  importPeakRssMb: Spread;
  importStartRssMb: Spread;
  importPeakHeapMb: Spread;
  /** Heap used after the import, after a full collection. */
  heapAfterMb: Spread;
  refreshPeakRssMb: Spread;
  /** Import members/s per 10,000 rows, in order (the last repetition's). */
  importTrace: number[];
  refreshTrace: number[];
}

const HEADER = "LegacyContactKey,FirstName,LastName,EmailAddress,MemberType,MemberSince,IsActive,CommunityGroups";

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

const CHILD = path.join(__dirname, "csv-load.child.js");

/** Each side in a fresh process of its own, so its memory figures are its own (RSS never shrinks). */
async function inChild<T>(use: (child: ChildHandle) => Promise<T>): Promise<T> {
  const child = await startChild(CHILD, {
    execArgv: [...PRODUCTION_RUNTIME.execArgv, "--expose-gc", ...(process.env.BENCH_CSV_CHILD_FLAGS ?? "").split(/\s+/).filter(Boolean)],
    env: PRODUCTION_RUNTIME.env,
  });
  try {
    return await use(child);
  } finally {
    await child.stop();
  }
}

/** The real import path: the file streamed from this process to POST /admin/imports (merge) of a gateway in a child. */
function timeImport(databaseUrl: string, file: string, rows: number): Promise<CsvLoadResult> {
  return inChild(async (child) => {
    const { port, started } = await child.call<{ port: number; started: number }>("serve", { databaseUrl });
    const report = (await upload(port, file)) as { imported: number };
    const result = await child.call<CsvLoadResult>("served", { rows, started });
    if (report.imported !== rows) throw new Error(`imported ${report.imported} of ${rows}: ${JSON.stringify(report).slice(0, 300)}`);
    return result;
  });
}

/**
 * Streams the file to the gateway with node:http (a plain pipe): the uploader is a third process
 * on the same two cores, and fetch's web-stream body cost it several times the CPU.
 */
async function upload(port: number, file: string): Promise<unknown> {
  const request = http.request({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: "/admin/imports?mode=merge",
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, "content-type": "text/csv", "transfer-encoding": "chunked" },
  });
  const answered = once(request, "response") as Promise<[http.IncomingMessage]>;
  await pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), request);
  const [response] = await answered;
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** The plain refresh write path in a child: the same records, read beforehand, fed to the intake's writer in batches. */
function timeRefresh(databaseUrl: string, file: string, rows: number): Promise<CsvLoadResult> {
  return inChild((child) => child.call<CsvLoadResult>("refresh", { databaseUrl, file, rows }));
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
      const imports: CsvLoadResult[] = [];
      const refreshes: CsvLoadResult[] = [];
      for (let repetition = 1; repetition <= repetitions; repetition += 1) {
        const refresh = await timeRefresh(databaseUrl, file, rows);
        const imported = await timeImport(databaseUrl, file, rows);
        refreshes.push(refresh);
        imports.push(imported);
        log(
          `csv ${rows} #${repetition}: import ${imported.perSecond.toFixed(0)}/s (peak RSS ${peakOf(imported).toFixed(0)} MB, heap after ${imported.heapAfterMb.toFixed(0)} MB), refresh path ${refresh.perSecond.toFixed(0)}/s (peak RSS ${peakOf(refresh).toFixed(0)} MB)`,
        );
        log(
          `csv ${rows} #${repetition}: seconds in the writer / wall, import ${imported.writerSeconds.toFixed(1)} / ${(rows / imported.perSecond).toFixed(1)}; refresh path ${refresh.writerSeconds.toFixed(1)} / ${(rows / refresh.perSecond).toFixed(1)}; CPU µs/member, import ${imported.cpuMicrosPerMember.toFixed(0)}, refresh path ${refresh.cpuMicrosPerMember.toFixed(0)}`,
        );
        log(`csv ${rows} #${repetition}: per 10,000 rows, import ${trace(imported)}; refresh ${trace(refresh)}`);
      }
      figures.push({
        rows,
        importPerSecond: spreadOf(imports.map((run) => run.perSecond)),
        refreshPerSecond: spreadOf(refreshes.map((run) => run.perSecond)),
        ratio: spreadOf(imports.map((run, index) => run.perSecond / refreshes[index]!.perSecond)),
        importPeakRssMb: spreadOf(imports.map(peakOf)),
        importStartRssMb: spreadOf(imports.map((run) => run.startRssMb)),
        importPeakHeapMb: spreadOf(imports.map((run) => run.memory.peakHeapUsedMb)),
        heapAfterMb: spreadOf(imports.map((run) => run.heapAfterMb)),
        refreshPeakRssMb: spreadOf(refreshes.map(peakOf)),
        importTrace: imports.at(-1)!.trace,
        refreshTrace: refreshes.at(-1)!.trace,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function peakOf(run: CsvLoadResult): number {
  return run.memory.highWaterRssMb ?? run.memory.sampledPeakRssMb;
}

function trace(run: CsvLoadResult): string {
  return run.trace.map((perSecond) => perSecond.toFixed(0)).join(" ");
}

/** The Markdown table for BENCHMARKS.md. */
export function formatCsvImport(figures: CsvImportFigures[]): string {
  const cell = (spread: Spread, digits = 0) =>
    `${spread.median.toFixed(digits)} (${spread.min.toFixed(digits)}–${spread.max.toFixed(digits)})`;
  const lines = [
    "### CSV import vs the refresh write path",
    "",
    "| rows | runs | import members/s | refresh path members/s | ratio (target ≥ 0.8) | import peak RSS MB | import RSS at start MB | import peak heap MB | heap after MB | refresh path peak RSS MB |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) =>
        `| ${f.rows} | ${f.ratio.count} | ${cell(f.importPerSecond)} | ${cell(f.refreshPerSecond)} | ${cell(f.ratio, 2)} | ${cell(f.importPeakRssMb)} | ${cell(f.importStartRssMb)} | ${cell(f.importPeakHeapMb)} | ${cell(f.heapAfterMb)} | ${cell(f.refreshPeakRssMb)} |`,
    ),
  ];
  const [small, large] = [figures[0], figures.at(-1)];
  if (small && large && small !== large) {
    lines.push(
      "",
      `Import peak RSS at ${large.rows} rows / at ${small.rows} rows: ${(large.importPeakRssMb.median / small.importPeakRssMb.median).toFixed(2)}×, heap after ${(large.heapAfterMb.median / small.heapAfterMb.median).toFixed(2)}× (target: roughly flat).`,
    );
  }
  for (const f of figures) {
    if (f.importTrace.length > 1)
      lines.push(
        "",
        `${f.rows} rows, members/s per 10,000 rows in order (last run): import ${f.importTrace.map((v) => v.toFixed(0)).join(" ")}; refresh path ${f.refreshTrace.map((v) => v.toFixed(0)).join(" ")}.`,
      );
  }
  return lines.join("\n");
}
