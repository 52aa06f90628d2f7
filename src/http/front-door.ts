import type { RequestListener } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../observability/logger";
import { healthRoutes, type Readiness } from "./health.routes";

export interface FrontDoor {
  /** The HTTP server's one request listener. */
  listener: RequestListener;
  /** Hands every request but the health routes to the graph, once it is built. */
  mount(handler: RequestListener): void;
}

/**
 * `/healthz` and `/readyz` answer from the moment the server listens, so an orchestrator sees a
 * live but unready process while the database is awaited; everything else is a 503 until the
 * graph is mounted.
 */
export function createFrontDoor(readiness: Readiness, logger: Logger): FrontDoor {
  let mounted: RequestListener | undefined;
  const app = express();
  app.disable("x-powered-by");
  app.use(healthRoutes(readiness, logger));
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (mounted) {
      (mounted as (request: Request, response: Response, next: NextFunction) => void)(request, response, next);
      return;
    }
    response.statusCode = 503;
    response.setHeader("content-type", "application/json; charset=utf-8");
    response.setHeader("retry-after", "5");
    response.end(
      JSON.stringify({
        errors: [{ message: "amsgate is starting: the database is not ready yet", extensions: { code: "SERVICE_UNAVAILABLE" } }],
      }),
    );
  });
  return {
    listener: app,
    mount(handler) {
      mounted = handler;
    },
  };
}
