import type { IncomingMessage, RequestListener } from "node:http";
import express from "express";
import type { Logger } from "../observability/logger";
import { healthRoutes, type Readiness } from "./health.routes";

export interface FrontDoor {
  /** The HTTP server's one request listener. */
  listener: RequestListener;
  /** Hands every request but the health routes to the graph, once it is built. */
  mount(handler: RequestListener): void;
}

/** The health routes' paths, as express's router matches them (any case, one trailing slash). */
const HEALTH_PATH = /^\/(?:healthz|readyz)\/?(?:\?.*)?$/i;

/**
 * `/healthz` and `/readyz` answer from the moment the server listens, so an orchestrator sees a
 * live but unready process while the database is awaited; everything else is a 503 until the
 * graph is mounted. Once it is, only health probes go through this door's express app: every
 * other request goes straight to the graph's listener.
 */
export function createFrontDoor(readiness: Readiness, logger: Logger): FrontDoor {
  let mounted: RequestListener | undefined;
  const app = express();
  app.disable("x-powered-by");
  app.use(healthRoutes(readiness, logger));
  app.use((_request, response) => {
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
    listener: (request, response) => {
      if (mounted && !isHealthProbe(request)) mounted(request, response);
      else app(request, response);
    },
    mount(handler) {
      mounted = handler;
    },
  };
}

/** A request the health routes answer: GET or HEAD (express's `get` serves both) on their paths. */
function isHealthProbe(request: IncomingMessage): boolean {
  return (request.method === "GET" || request.method === "HEAD") && HEALTH_PATH.test(request.url ?? "");
}
