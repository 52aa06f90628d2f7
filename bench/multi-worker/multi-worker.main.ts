import { createConnection } from "mysql2/promise";
import { AmsHttpServer } from "../../src/sources/demo/ams-http.server";
import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../../src/sources/demo/demo-dataset";
import { SystemClock } from "../../src/time/clock";
import { type RunningGateway, startGateway } from "../../test/support/child-process";
import { ensureDatabase, freshSchema } from "../support/bench-database";
import { formatSpread, spreadOf } from "../support/stats";

/**
 * Refresh throughput with 1, 2 and 4 gateway processes sharing one database (DESIGN §9): a full
 * load of the demo association through its HTTP AMS, members per second from the moment every
 * process is up until the last member is committed, each figure a ratio to one process in the
 * same run. `BENCH_WORKER_MEMBERS` (default 10,000), `BENCH_WORKER_REPETITIONS` (3),
 * `BENCH_DATABASE_URL` (never the `test` database).
 */
const MEMBERS = Number(process.env.BENCH_WORKER_MEMBERS ?? 10_000);
const REPETITIONS = Number(process.env.BENCH_WORKER_REPETITIONS ?? 3);
const PROCESSES = [1, 2, 4];
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "mysql://root@127.0.0.1:3306/amsgate_bench";
const ADMIN_KEY = "bench-admin-key-0123456789abcdef";

async function countMembers(): Promise<number> {
  const connection = await createConnection({ uri: DATABASE_URL });
  try {
    const [rows] = await connection.query("SELECT COUNT(*) AS n FROM members");
    return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  } finally {
    await connection.end();
  }
}

/** One full load by `processes` gateways; members per second once all of them listen. */
async function load(processes: number): Promise<number> {
  await freshSchema(DATABASE_URL);
  const association = new DemoAssociation({ seed: 1, members: MEMBERS, clock: new SystemClock() });
  // The listing waits until every process is up, so each count starts from the same line.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const ams = new AmsHttpServer(new DemoAmsDataset(association), {
    apiKey: "bench-ams-key",
    pageSize: 1_000,
    onChangedMembersPage: () => gate,
  });
  const url = await ams.listen(0);
  const env = {
    PORT: "0",
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    DATABASE_URL,
    ADMIN_API_KEYS: ADMIN_KEY,
    AMS_SOURCE: "rest",
    AMS_URL: url,
    AMS_API_KEY: "bench-ams-key",
    REFRESH_INTERVAL: "1h",
    EVENT_REFRESH_INTERVAL: "24h",
    REFRESH_QUEUE_POLL: "50ms",
  };
  const gateways: RunningGateway[] = [];
  try {
    for (let index = 0; index < processes; index += 1) gateways.push(await startGateway(env, 120_000));
    const started = performance.now();
    release();
    while ((await countMembers()) < MEMBERS) await new Promise((resolve) => setTimeout(resolve, 100));
    return MEMBERS / ((performance.now() - started) / 1000);
  } finally {
    for (const gateway of gateways) gateway.child.kill("SIGTERM");
    await Promise.all(gateways.map((gateway) => gateway.exited));
    await ams.close();
  }
}

async function main(): Promise<void> {
  if (new URL(DATABASE_URL).pathname === "/test") throw new Error("BENCH_DATABASE_URL must not be the test database");
  await ensureDatabase(DATABASE_URL);
  const rates = new Map<number, number[]>(PROCESSES.map((count) => [count, []]));
  // Interleaved, so a noisy minute of the machine hits every variant alike.
  for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
    for (const processes of PROCESSES) rates.get(processes)!.push(await load(processes));
  }
  const single = spreadOf(rates.get(1)!).median;
  console.log(`Full load of ${MEMBERS} demo members over HTTP, ${REPETITIONS} repetitions (median, min–max)`);
  for (const processes of PROCESSES) {
    const spread = spreadOf(rates.get(processes)!);
    const ratios = spreadOf(rates.get(processes)!.map((rate, index) => rate / rates.get(1)![index]!));
    console.log(
      `${processes} process(es): ${formatSpread(spread)} members/s; ${(spread.median / single).toFixed(2)}× one process (per-repetition ratios ${formatSpread(ratios, 2)})`,
    );
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
