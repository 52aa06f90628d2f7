import "reflect-metadata";
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { buildApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { KEY_COLUMN } from "../../src/imports/member-csv.columns";
import { readRow } from "../../src/imports/member-csv.rows";
import type { MemberRecord } from "../../src/sources/member-record";
import { freshSchema } from "../support/bench-database";
import { serveChild } from "../support/child-rpc";
import { type MemoryPeak, settledMemoryMb, startMemorySampler } from "../support/memory-sampler";
import { BENCH_ADMIN_KEY } from "../support/production-runtime";

const BATCH = 500;
/** Batches timed together in the per-batch trace (10,000 rows a point). */
const TRACE_EVERY = 20;

type App = Awaited<ReturnType<typeof buildApp>>;

/** What one side's process measured; memory is this process's own (the bench runs each side in a fresh one). */
export interface CsvLoadResult {
  perSecond: number;
  memory: MemoryPeak;
  startRssMb: number;
  heapAfterMb: number;
  /** Members/s of each run of {@link TRACE_EVERY} batches, in order: a cost growing with rows shows as a falling line. */
  trace: number[];
  /** Seconds spent inside the intake's writer (the rest of the wall time is reading, checking and waiting for rows). */
  writerSeconds: number;
  /** This process's CPU (user + system) per member, µs: unlike members/s, barely moved by other work on the machine. */
  cpuMicrosPerMember: number;
}

let app: App | undefined;
let sampler: { stop(): MemoryPeak } | undefined;
let startRssMb = 0;
const batchEnds: number[] = [];
let writerMs = 0;
let cpuAtStart: NodeJS.CpuUsage | undefined;

/** A gateway on a fresh schema, the spreadsheet source, its intake's batches timed. */
async function open(databaseUrl: string): Promise<{ opened: App; port: number }> {
  await freshSchema(databaseUrl);
  const config = loadConfig({
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEYS: BENCH_ADMIN_KEY,
    SYNC_ENABLED: "false",
    AMS_SOURCE: "spreadsheet",
    LOG_LEVEL: "silent",
  });
  app = await buildApp(config);
  const { port } = await app.start(0, "127.0.0.1");
  const intake = app.sync.internals.intake;
  const write = intake.writeRecords.bind(intake);
  intake.writeRecords = async (request) => {
    const from = performance.now();
    const results = await write(request);
    writerMs += performance.now() - from;
    batchEnds.push(performance.now());
    return results;
  };
  return { opened: app, port };
}

function begin(): void {
  batchEnds.length = 0;
  writerMs = 0;
  cpuAtStart = process.cpuUsage();
  startRssMb = process.memoryUsage().rss / 2 ** 20;
  sampler = startMemorySampler(50);
}

function finish(rows: number, started: number): CsvLoadResult {
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const memory = sampler!.stop();
  const trace: number[] = [];
  let from = started;
  for (let end = TRACE_EVERY - 1; end < batchEnds.length; end += TRACE_EVERY) {
    trace.push((TRACE_EVERY * BATCH) / ((batchEnds[end]! - from) / 1000));
    from = batchEnds[end]!;
  }
  return {
    perSecond: rows / seconds,
    memory,
    startRssMb,
    heapAfterMb: settledMemoryMb().heapUsedMb,
    trace,
    writerSeconds: writerMs / 1000,
    cpuMicrosPerMember: (cpu.user + cpu.system) / rows,
  };
}

serveChild(
  {
    /** The import side: a server here; the orchestrator streams the file to it (its client is not in this process). */
    async serve(payload: { databaseUrl: string }) {
      const { port } = await open(payload.databaseUrl);
      begin();
      return { port, started: performance.now() };
    },
    served(payload: { rows: number; started: number }) {
      return finish(payload.rows, payload.started);
    },
    /** The baseline: the same rows read beforehand into records, fed to the intake's writer 500 at a time. */
    async refresh(payload: { databaseUrl: string; file: string; rows: number }) {
      const { opened } = await open(payload.databaseUrl);
      const batches: MemberRecord[][] = [];
      let batch: MemberRecord[] = [];
      begin();
      const stream = createReadStream(payload.file).pipe(parse({ columns: true }));
      for await (const cells of stream as AsyncIterable<Record<string, string>>) {
        const record = readRow(0, cells, "merge", undefined);
        if (Array.isArray(record)) throw new Error(`bad generated row ${cells[KEY_COLUMN]}`);
        batch.push(record);
        if (batch.length === BATCH) [batches[batches.length], batch] = [batch, []];
      }
      if (batch.length > 0) batches.push(batch);
      const run = await opened.sync.service.beginImport("bench: refresh write path");
      const started = performance.now();
      cpuAtStart = process.cpuUsage();
      for (const records of batches) await opened.sync.internals.intake.writeRecords({ runId: run.id, records });
      batches.length = 0;
      return finish(payload.rows, started);
    },
  },
  async () => {
    await app?.stop();
  },
);
