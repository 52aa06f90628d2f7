import { Router } from "express";
import type { Logger } from "../observability/logger";

/** Ready to take traffic, or why not (safe to show: it names no host, user or secret). */
export interface ReadinessState {
  ready: boolean;
  reason?: string;
}

export interface Readiness {
  /** Ready to take traffic: database reachable and migrated, and not starting or shutting down. */
  check(): Promise<ReadinessState>;
}

/** `/healthz`: the process answers. `/readyz`: it can serve (503 otherwise, with the reason). */
export function healthRoutes(readiness: Readiness, logger: Logger): Router {
  const router = Router();
  router.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });
  router.get("/readyz", async (_request, response) => {
    let state: ReadinessState;
    try {
      state = await readiness.check();
    } catch (error) {
      logger.warn({ err: error }, "readiness check failed");
      state = { ready: false, reason: "the database check failed" };
    }
    if (state.ready) response.json({ status: "ready" });
    else response.status(503).json({ status: "unavailable", reason: state.reason ?? "not ready" });
  });
  return router;
}
