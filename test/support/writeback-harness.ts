import type { Reply } from "../../src/sources/demo/ams-http.routes";
import { ManualClock } from "../../src/time/clock";
import { seedMembers } from "./fixtures";
import { gql, type GraphQLResponse } from "./graphql-client";
import { type FakeAms, InMemoryAms, startFakeAms } from "./in-memory-ams";
import { ManualTimers } from "./manual-timers";
import { startTestApp, type TestApp } from "./test-app";

export const LMS_KEY = "test-lms-key-0123456789abcdefgh";

export const COMPLETION_FIELDS =
  "idempotencyKey memberKey activityKey title completedAt credits creditType writeback { status attempts lastErrorCode nextAttemptAt sentAt }";

export const RECORD = `mutation ($input: CompletionInput!) { recordCompletion(input: $input) { ${COMPLETION_FIELDS} } }`;
export const RECORD_MANY = `mutation ($inputs: [CompletionInput!]!) {
  recordCompletions(inputs: $inputs) { idempotencyKey outcome error { code message } completion { ${COMPLETION_FIELDS} } }
}`;

export interface CompletionAnswer {
  idempotencyKey: string;
  memberKey: string;
  writeback: { status: string; attempts: number; lastErrorCode: string | null; nextAttemptAt: string | null; sentAt: string | null };
}

/** A completion input for member `memberKey`, unique by `key`. */
export const completion = (key: string, memberKey = "M1", extra: Record<string, unknown> = {}) => ({
  memberKey,
  activityKey: `COURSE-${key}`,
  title: `Course ${key}`,
  completedAt: "2026-11-20T15:00:00.000Z",
  credits: 1.5,
  creditType: "CEU",
  idempotencyKey: `idem-${key}`,
  ...extra,
});

export interface WritebackHarness {
  harness: TestApp;
  ams: InMemoryAms;
  fake: FakeAms;
  clock: ManualClock;
  timers: ManualTimers;
  /** Scripted answers for `POST /activities`, taken one per request while any remain. */
  activityFaults: Reply[];
  ask<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * The real app over MariaDB with the JSON-protocol source pointed at a fake AMS on port 0, members
 * M1–M3 cached, a manual clock, and the writeback dispatcher on manual timers (batch mode unless
 * the environment says otherwise). AMS calls are not retried in-call: each send is one attempt.
 */
export async function startWritebackHarness(
  env: Record<string, string> = {},
  manualTimers = true,
  database: "mysql" | "sqlite" = "mysql",
): Promise<WritebackHarness> {
  const ams = new InMemoryAms();
  const activityFaults: Reply[] = [];
  const fake = await startFakeAms(ams, {
    intercept: ({ method, path }) => (method === "POST" && path === "/activities" ? activityFaults.shift() : undefined),
  });
  const clock = new ManualClock(new Date());
  const timers = new ManualTimers(clock);
  const harness = await startTestApp({
    database,
    env: {
      AMS_SOURCE: "rest",
      AMS_URL: fake.url,
      AMS_API_KEY: fake.apiKey,
      AMS_RETRIES: "0",
      LMS_API_KEYS: LMS_KEY,
      WRITEBACK_ENABLED: "true",
      WRITEBACK_MODE: "batch",
      WRITEBACK_SCHEDULE: "1h",
      WRITEBACK_MAX_ATTEMPTS: "3",
      WRITEBACK_BACKOFF_BASE: "1s",
      WRITEBACK_BACKOFF_MAX: "1m",
      WRITEBACK_MAX_BATCH: "10",
      ...env,
    },
    overrides: manualTimers ? { clock, writebackTimers: timers, random: () => 0.5 } : {},
  });
  await seedMembers(harness.app.database.dataSource, [
    { memberKey: "M1", firstName: "Ada", lastName: "One" },
    { memberKey: "M2", firstName: "Bo", lastName: "Two" },
    { memberKey: "M3", firstName: "Cy", lastName: "Three" },
  ]);
  return {
    harness,
    ams,
    fake,
    clock,
    timers,
    activityFaults,
    ask: (query, variables = {}, token = LMS_KEY) => gql(harness.url, query, variables, token),
    async stop() {
      await harness.stop();
      await fake.close();
    },
  };
}
