import { createConnection } from "mysql2/promise";
import { buildApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { createLogger } from "../../src/observability/logger";
import type { ActivityWriteBack, MemberChange } from "../../src/sources/ams-source";
import type { AmsDataset, DatasetEvent } from "../../src/sources/demo/ams-dataset";
import { AmsHttpServer } from "../../src/sources/demo/ams-http.server";
import type { BenchConfig } from "../support/bench-config";
import { freshSchema } from "../support/bench-database";

const LMS_KEY = "bench-lms-key-0123456789abcdefgh";
const ADMIN_KEY = "bench-admin-key-0123456789abcdef";
const AMS_KEY = "bench-ams-key";
/** Completions per `recordCompletions` call and per raw multi-row insert: the same batches on both sides. */
const BATCH = 100;
const MEMBERS = 1_000;

/** One repetition's figures, each in completions per second. */
export interface WritebackRun {
  rawInsertPerS: number;
  acceptedPerS: number;
  dispatchedPerS: number;
}

export interface WritebackResult {
  completions: number;
  batch: number;
  concurrency: number;
  runs: WritebackRun[];
}

/** A fake AMS that holds nothing but the activities written back to it. */
class ActivitySink implements AmsDataset {
  readonly recorded: ActivityWriteBack[] = [];
  changedMembers(): Iterable<MemberChange> {
    return [];
  }
  memberInfo(): unknown {
    return undefined;
  }
  changedEvents(): Iterable<DatasetEvent> {
    return [];
  }
  recordActivity(activity: ActivityWriteBack): void {
    this.recorded.push(activity);
  }
}

const inputsFor = (run: number, count: number) =>
  Array.from({ length: count }, (_, index) => ({
    memberKey: `BM${index % MEMBERS}`,
    activityKey: `COURSE-${index % 50}`,
    title: `Course ${index % 50}: professional ethics`,
    completedAt: new Date(Date.UTC(2026, 10, 1) + index * 1000).toISOString(),
    credits: 1.5,
    creditType: "CEU",
    idempotencyKey: `bench-${run}-${index}`,
  }));

/**
 * Writeback throughput against a baseline in the same run: completions accepted per second through
 * `recordCompletions` over HTTP (validation, member check, idempotency check, the completion and
 * its outbox row in one transaction) and dispatched per second to a local fake AMS over HTTP
 * (claim with a lease, POST /activities, mark sent), each as a ratio to the raw insert of the same
 * rows into both tables with mysql2 (multi-row statements of the same batch size, one
 * transaction per batch).
 */
export async function runWriteback(config: BenchConfig, log: (line: string) => void): Promise<WritebackResult> {
  const { completions, repetitions, concurrency } = config.writeback;
  const sink = new ActivitySink();
  const ams = new AmsHttpServer(sink, { apiKey: AMS_KEY });
  const amsUrl = await ams.listen(0);
  const runs: WritebackRun[] = [];
  try {
    for (let run = 0; run < repetitions; run += 1) {
      await freshSchema(config.databaseUrl);
      await seedMembers(config.databaseUrl);
      const rawInsertPerS = await rawInsert(config.databaseUrl, inputsFor(run, completions));
      await freshSchema(config.databaseUrl);
      await seedMembers(config.databaseUrl);
      const { acceptedPerS, dispatchedPerS } = await throughGateway(config.databaseUrl, amsUrl, inputsFor(run, completions), concurrency);
      if (sink.recorded.length !== (run + 1) * completions)
        throw new Error(`the AMS holds ${sink.recorded.length} activities, expected ${(run + 1) * completions}`);
      runs.push({ rawInsertPerS, acceptedPerS, dispatchedPerS });
      log(
        `writeback run ${run + 1}/${repetitions}: raw insert ${rawInsertPerS.toFixed(0)}/s, accepted ${acceptedPerS.toFixed(0)}/s, dispatched ${dispatchedPerS.toFixed(0)}/s`,
      );
    }
  } finally {
    await ams.close();
  }
  return { completions, batch: BATCH, concurrency, runs };
}

async function seedMembers(url: string): Promise<void> {
  const connection = await createConnection(url);
  try {
    const now = new Date();
    const rows = Array.from({ length: MEMBERS }, (_, index) => [`BM${index}`, "Bench", `Member ${index}`, now, now, now]);
    await connection.query("INSERT INTO members (member_key, first_name, last_name, last_refreshed_at, changed_at, created_at) VALUES ?", [
      rows,
    ]);
  } finally {
    await connection.end();
  }
}

/** The baseline: the same rows into both tables, a multi-row INSERT per table and batch, one transaction per batch. */
async function rawInsert(url: string, inputs: ReturnType<typeof inputsFor>): Promise<number> {
  const connection = await createConnection(url);
  try {
    const started = performance.now();
    for (let start = 0; start < inputs.length; start += BATCH) {
      const part = inputs.slice(start, start + BATCH);
      const now = new Date();
      await connection.beginTransaction();
      await connection.query(
        "INSERT INTO completions (idempotency_key, member_key, activity_key, title, completed_at, credits, credit_type, content_hash, accepted_at) VALUES ?",
        [
          part.map((row) => [
            row.idempotencyKey,
            row.memberKey,
            row.activityKey,
            row.title,
            new Date(row.completedAt),
            row.credits,
            row.creditType,
            "h".repeat(64),
            now,
          ]),
        ],
      );
      await connection.query(
        "INSERT INTO writeback_outbox (idempotency_key, member_key, status, attempts, next_attempt_at, updated_at) VALUES ?",
        [part.map((row) => [row.idempotencyKey, row.memberKey, "PENDING", 0, now, now])],
      );
      await connection.commit();
    }
    return inputs.length / ((performance.now() - started) / 1000);
  } finally {
    await connection.end();
  }
}

/** The gateway on the same database: accepted through HTTP, then drained by its dispatcher. */
async function throughGateway(
  url: string,
  amsUrl: string,
  inputs: ReturnType<typeof inputsFor>,
  concurrency: number,
): Promise<{ acceptedPerS: number; dispatchedPerS: number }> {
  const config = loadConfig({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    DATABASE_URL: url,
    ADMIN_API_KEYS: ADMIN_KEY,
    LMS_API_KEYS: LMS_KEY,
    AMS_SOURCE: "rest",
    AMS_URL: amsUrl,
    AMS_API_KEY: AMS_KEY,
    SYNC_ENABLED: "false",
    // The dispatcher is driven by hand, so acceptance and dispatch are timed apart.
    WRITEBACK_ENABLED: "false",
    WRITEBACK_MAX_BATCH: String(BATCH),
    WRITEBACK_BATCH_SIZE: String(BATCH),
    WRITEBACK_CONCURRENCY: String(concurrency),
  });
  const app = await buildApp(config, { logger: createLogger("silent") });
  const { port } = await app.start(0, "127.0.0.1");
  try {
    const query = "mutation ($inputs: [CompletionInput!]!) { recordCompletions(inputs: $inputs) { outcome } }";
    const batches: Array<typeof inputs> = [];
    for (let start = 0; start < inputs.length; start += BATCH) batches.push(inputs.slice(start, start + BATCH));
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${LMS_KEY}` },
          body: JSON.stringify({ query, variables: { inputs: batch } }),
        });
        const body = (await response.json()) as { data?: { recordCompletions: Array<{ outcome: string }> }; errors?: unknown };
        if (!body.data || body.data.recordCompletions.some((row) => row.outcome !== "ACCEPTED")) {
          throw new Error(`recordCompletions did not accept a batch: ${JSON.stringify(body).slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const acceptedPerS = inputs.length / ((performance.now() - started) / 1000);
    const dispatchStarted = performance.now();
    const report = await app.writeback.dispatcher.drain();
    const dispatchedPerS = report.sent / ((performance.now() - dispatchStarted) / 1000);
    if (report.sent !== inputs.length) throw new Error(`dispatched ${report.sent} of ${inputs.length}`);
    return { acceptedPerS, dispatchedPerS };
  } finally {
    await app.stop();
  }
}
