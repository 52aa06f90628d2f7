/**
 * How amsgate runs in production (`npm start` and the Dockerfile): NODE_ENV=production, which
 * puts graphql-js and express on their fast paths, and V8's default heap settings. Measured
 * processes (amsgate and, for fairness, the baselines they are compared with) run the same way.
 * `BENCH_NODE_FLAGS` adds node flags to all of them, to measure a tuning such as
 * `--max-semi-space-size=64` (see BENCHMARKS.md).
 */
export const PRODUCTION_RUNTIME = {
  execArgv: (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter((flag) => flag !== ""),
  env: { NODE_ENV: "production" },
};

/** An admin key for bench processes that load production configuration but serve no admin. */
export const BENCH_ADMIN_KEY = "bench-admin-key-not-served-0123456789";
