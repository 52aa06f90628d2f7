import { Router } from "express";
import type { Logger } from "../observability/logger";
import type { ReadinessReport } from "../observability/readiness";

export interface Readiness {
  /** Ready to take traffic: database reachable and migrated, and not shutting down. */
  isReady(): Promise<boolean>;
  /** The full report (reasons and each check's detail); when absent, `isReady` alone decides. */
  report?(): Promise<ReadinessReport>;
}

/**
 * `/healthz`: the process answers. `/readyz`: it can serve: 200, or 503 with the reasons, and the
 * state of each check either way (e.g. `checks.pubsub: "degraded"` while Redis is away, which
 * does not make the process unready).
 */
export function healthRoutes(readiness: Readiness, logger: Logger): Router {
  const router = Router();
  router.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });
  router.get("/readyz", async (_request, response) => {
    let report: ReadinessReport = { ready: false, reasons: ["readiness check failed"], checks: {} };
    try {
      report = readiness.report ? await readiness.report() : { ...report, ready: await readiness.isReady(), reasons: [] };
      if (!report.ready && !readiness.report) report.reasons = ["not ready"];
    } catch (error) {
      logger.warn({ err: error }, "readiness check failed");
    }
    response
      .status(report.ready ? 200 : 503)
      // `reason`: the first of `reasons`, for clients that read one line.
      .json({ status: report.ready ? "ready" : "unavailable", reason: report.reasons[0], reasons: report.reasons, checks: report.checks });
  });
  return router;
}
