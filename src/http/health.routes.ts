import { Router } from "express";
import type { Logger } from "../observability/logger";

export interface Readiness {
  /** Ready to take traffic: database reachable and migrated, and not shutting down. */
  isReady(): Promise<boolean>;
}

/** `/healthz`: the process answers. `/readyz`: it can serve (503 otherwise, with the reason logged). */
export function healthRoutes(readiness: Readiness, logger: Logger): Router {
  const router = Router();
  router.get("/healthz", (_request, response) => {
    response.json({ status: "ok" });
  });
  router.get("/readyz", async (_request, response) => {
    let ready = false;
    try {
      ready = await readiness.isReady();
    } catch (error) {
      logger.warn({ err: error }, "readiness check failed");
    }
    response.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable" });
  });
  return router;
}
