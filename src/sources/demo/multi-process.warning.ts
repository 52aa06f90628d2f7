/** What the warning looks at: the configured source, and what hints at several processes. */
export interface MultiProcessHints {
  source: { kind: string };
  redisUrl: string | null;
  database: { kind: string };
}

/**
 * The in-process demo source is one simulated AMS per process: several gateway processes on one
 * database would each have their own, drifting apart, and write their differences into one
 * cache. Redis, or a MySQL database, is what several processes share, so either hints at that
 * setup; the warning says what to run instead. Undefined when there is nothing to warn about.
 */
export function demoMultiProcessWarning(config: MultiProcessHints): string | undefined {
  if (config.source.kind !== "demo") return undefined;
  const hints = [
    config.redisUrl !== null ? "REDIS_URL is set" : null,
    config.database.kind === "mysql" ? "the database is MySQL" : null,
  ].filter((hint): hint is string => hint !== null);
  if (hints.length === 0) return undefined;
  return (
    `AMS_SOURCE=demo simulates the AMS inside this process, but ${hints.join(" and ")}, which hints at several gateway processes: ` +
    "each would simulate its own, drifting AMS. Run one shared demo AMS (npm run demo-ams) and point every process at it with AMS_SOURCE=rest."
  );
}
