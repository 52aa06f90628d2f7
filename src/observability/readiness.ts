/** One part of readiness: what it reports, and why it keeps the process out of rotation (if it does). */
export interface CheckResult {
  /** Shown under `checks.<name>` in the `/readyz` body. */
  detail: unknown;
  /** Set when this check makes the process not ready. */
  unready?: string;
}

export interface ReadinessCheck {
  name: string;
  run(): Promise<CheckResult>;
}

/** What `/readyz` answers: 200 when `ready`, 503 otherwise, with the reasons and every check's detail. */
export interface ReadinessReport {
  ready: boolean;
  reasons: string[];
  checks: Record<string, unknown>;
}

/**
 * Runs the checks in order. A check that throws counts as not ready, under its name (the error
 * goes to `onError`, never into the answer: `/readyz` is public); the checks after a failed
 * `gate` check (the database) are skipped, since they read through it.
 */
export async function readinessReport(
  gate: ReadinessCheck,
  checks: readonly ReadinessCheck[],
  onError: (name: string, error: unknown) => void,
): Promise<ReadinessReport> {
  const report: ReadinessReport = { ready: true, reasons: [], checks: {} };
  const record = (name: string, result: CheckResult) => {
    report.checks[name] = result.detail;
    if (result.unready !== undefined) {
      report.ready = false;
      report.reasons.push(result.unready);
    }
  };
  const run = async (check: ReadinessCheck) => {
    try {
      record(check.name, await check.run());
    } catch (error) {
      onError(check.name, error);
      record(check.name, { detail: "unavailable", unready: `${check.name} unavailable` });
    }
  };
  await run(gate);
  if (!report.ready) return report;
  for (const check of checks) await run(check);
  return report;
}
