import "reflect-metadata";
import { createPool } from "mysql2/promise";
import { loadConfig } from "../../src/config/config";
import type { MemberRecord } from "../../src/sources/member-record";
import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { DemoSource } from "../../src/sources/demo/demo.source";
import { SyncRuleBook } from "../../src/sync/sync-rules";
import { SystemClock } from "../../src/time/clock";
import { countRows, type TableCounts } from "../support/bench-database";
import { BENCH_ADMIN_KEY } from "../support/production-runtime";
import { serveChild } from "../support/child-rpc";
import { startMemorySampler } from "../support/memory-sampler";
import { startUsage } from "../support/process-usage";
import { type PlannedMember, planMember } from "./member-plan";
import { applyMemberEdits } from "./member-edits.plan";
import { RawWriter } from "./raw-writer";
import { RecordFileReader } from "./record-file";
import type { PhaseResult, RawLoadRequest, RawLoadResult } from "./write-path.types";

/** Members per transaction and per multi-row statement. */
const CHUNK = 500;

let cleanup: () => Promise<void> = async () => undefined;

/**
 * The raw baseline in its own process: the same records (from the same pre-generated file, or
 * from the same demo edits), mapped to the same rows with amsgate's own mapping outside the
 * timing, then written with plain mysql2 on one connection. Only the SQL is timed.
 */
async function load(request: RawLoadRequest): Promise<RawLoadResult> {
  const clock = new SystemClock("UTC");
  const rules = new SyncRuleBook(
    loadConfig({ NODE_ENV: "production", AMS_SOURCE: "demo", ADMIN_API_KEYS: BENCH_ADMIN_KEY, SYNC_ENABLED: "false" }).sync.rules,
  );
  const pool = createPool({ uri: request.databaseUrl, connectionLimit: 1, timezone: "Z", charset: "utf8mb4_unicode_ci" });
  const records = await RecordFileReader.open(request.recordFile);
  cleanup = async () => {
    records.close();
    await pool.end();
  };
  const writer = new RawWriter(pool);
  const count = () => countRows(async (sql) => (await pool.query(sql))[0]);
  const mapping = { ms: 0 };
  const plan = (chunk: MemberRecord[]) => {
    const started = performance.now();
    // Once per chunk, as MemberWriter derives a whole batch against one day.
    const today = clock.today();
    const planned = chunk.map((record) => planMember(record, rules, today));
    mapping.ms += performance.now() - started;
    return planned;
  };

  const startRssMb = process.memoryUsage().rss / 1024 ** 2;
  const sampler = startMemorySampler();
  const full = await timedWrites(writer, records.chunks(CHUNK), plan, (chunk) => writer.upsertChunk(chunk, clock.now()), count);
  const memory = sampler.stop();
  const fullMappingMs = mapping.ms;

  let incremental: PhaseResult | null = null;
  if (request.changed > 0) {
    const association = new DemoAssociation({ seed: request.seed, members: request.members, clock });
    const edited = applyMemberEdits(association, request.changed);
    incremental = await timedWrites(
      writer,
      fetchAll(new DemoSource(association), edited),
      plan,
      (chunk) => writer.replaceChunk(chunk, clock.now()),
      count,
    );
  }
  return { variant: "raw", members: request.members, chunkSize: CHUNK, full, incremental, mappingMs: fullMappingMs, memory, startRssMb };
}

async function timedWrites(
  writer: RawWriter,
  chunks: AsyncIterable<MemberRecord[]>,
  plan: (chunk: MemberRecord[]) => PlannedMember[],
  write: (chunk: PlannedMember[]) => Promise<void>,
  count: () => Promise<TableCounts>,
): Promise<PhaseResult> {
  const statementsBefore = writer.statements;
  let totalMs = 0;
  let members = 0;
  let batches = 0;
  const meter = startUsage();
  for await (const chunk of chunks) {
    const planned = plan(chunk);
    const started = performance.now();
    await write(planned);
    totalMs += performance.now() - started;
    members += chunk.length;
    batches += 1;
  }
  const usage = meter.stop();
  const statements = writer.statements - statementsBefore;
  return { members, totalMs, pollMs: 0, sourceMs: 0, statements, batches, run: null, counts: await count(), usage };
}

/** The edited members' records, through the demo source's own wire form, in chunks; untimed. */
async function* fetchAll(source: DemoSource, keys: string[]): AsyncGenerator<MemberRecord[]> {
  const records: MemberRecord[] = [];
  for (let start = 0; start < keys.length; start += source.maxBatchSize) {
    records.push(...(await source.fetchMembers(keys.slice(start, start + source.maxBatchSize))).members);
  }
  for (let start = 0; start < records.length; start += CHUNK) yield records.slice(start, start + CHUNK);
}

serveChild({ load }, () => cleanup());
