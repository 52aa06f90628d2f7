import { createHash, timingSafeEqual } from "node:crypto";
import { type Request, Router } from "express";
import type { MetricsConfig } from "../config/operations.config";
import type { Logger } from "../observability/logger";
import type { GatewayMetrics } from "../observability/metrics";

export const METRICS_PATH = "/metrics";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Who may read `/metrics`: with `METRICS_TOKEN`, whoever sends it as a bearer token; without one
 * in production, only a caller on this host that did not come through a proxy (a proxy on this
 * host would otherwise make every client look local); otherwise anyone.
 */
export function metricsAccess(
  config: MetricsConfig,
  request: Pick<Request, "headers" | "socket">,
): "allowed" | "unauthorized" | "forbidden" {
  if (config.token !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "");
    return match && sameSecret(match[1]!.trim(), config.token) ? "allowed" : "unauthorized";
  }
  if (!config.loopbackOnly) return "allowed";
  const proxied = request.headers["x-forwarded-for"] !== undefined || request.headers.forwarded !== undefined;
  return !proxied && LOOPBACK.has(request.socket.remoteAddress ?? "") ? "allowed" : "forbidden";
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** `GET /metrics`: the Prometheus text format. */
export function metricsRoutes(metrics: GatewayMetrics, config: MetricsConfig, logger: Logger): Router {
  const router = Router();
  router.get(METRICS_PATH, async (request, response) => {
    const access = metricsAccess(config, request);
    if (access === "unauthorized") {
      response.status(401).setHeader("www-authenticate", 'Bearer realm="metrics"').json({ error: "METRICS_TOKEN required" });
      return;
    }
    if (access === "forbidden") {
      response.status(403).json({ error: "metrics are served to loopback only; set METRICS_TOKEN to read them from elsewhere" });
      return;
    }
    try {
      const text = await metrics.text();
      response.status(200).setHeader("content-type", metrics.contentType).send(text);
    } catch (error) {
      logger.warn({ err: error }, "metrics collection failed");
      response.status(500).json({ error: "metrics collection failed" });
    }
  });
  return router;
}
