import { createHash } from "node:crypto";
import express, { type ErrorRequestHandler, type RequestHandler, Router } from "express";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { PushConfig } from "../../config/ingest.config";
import type { Logger } from "../../observability/logger";
import type { SyncService } from "../../sync/sync.service";
import { eventItems } from "./event-items";
import { groupItems } from "./group-items";
import type { IdempotencyStore } from "./idempotency.store";
import { memberItems } from "./member-items";
import { matchKey, sendRefusal } from "./push-answer";
import { type PushLocals, pushEndpoint } from "./push-endpoint";

export const PUSH_PATH = "/push/v1";

export interface PushRouterDeps {
  config: PushConfig;
  sync: SyncService;
  idempotency: IdempotencyStore;
  logger: Logger;
}

/**
 * The push API: an AMS pushes whole records, `POST /push/v1/members` (MemberInfo, contract §2),
 * `/events` (Event, §1) and `/groups` (one AMS group with its member keys). Every route shares
 * the key, the per-key rate limit, the body limit, the envelope and Idempotency-Key; each
 * request is one PUSH run whose answer comes after the commit, so a 2xx means the data is stored.
 */
export function createPushRouter(deps: PushRouterDeps): Router {
  const { config } = deps;
  const limiter = new RateLimiterMemory({
    keyPrefix: "push",
    points: config.rateLimit.points,
    duration: Math.max(1, Math.round(config.rateLimit.windowMs / 1000)),
  });
  const router = Router();
  const endpoints = [
    { name: "members", itemsAre: "MemberInfo records", handle: memberItems(deps.sync) },
    { name: "events", itemsAre: "Event records", handle: eventItems(deps.sync) },
    { name: "groups", itemsAre: "group records", handle: groupItems(deps.sync) },
  ];
  for (const endpoint of endpoints) {
    router.post(
      `/${endpoint.name}`,
      checkKey(config.apiKeys),
      // One budget per key across the routes: a client cannot multiply its rate by spreading pushes.
      rateLimit(limiter),
      // Any content type is read as JSON: AMS clients are not always careful with headers.
      express.raw({ type: () => true, limit: config.maxBodyBytes }),
      pushEndpoint(config, deps.idempotency, endpoint),
    );
  }
  router.use(pushErrors(deps.logger, config.maxBodyBytes));
  return router;
}

function checkKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const header = req.headers["x-api-key"];
    const pushKey = matchKey(Array.isArray(header) ? header[0] : header, keys);
    if (pushKey === undefined) return sendRefusal(res, 401, "The x-api-key header is missing or not a push key");
    (res.locals as PushLocals).pushKey = pushKey;
    next();
  };
}

function rateLimit(limiter: RateLimiterMemory): RequestHandler {
  return (_req, res, next) => {
    // The key itself is never a limiter key in memory: its digest stands for it.
    const { pushKey } = res.locals as PushLocals;
    limiter
      .consume(createHash("sha256").update(pushKey).digest("hex"))
      .then(() => next())
      .catch((rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        res.setHeader("retry-after", String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
        sendRefusal(res, 429, "Too many pushes with this key; retry after the Retry-After header's seconds");
      });
  };
}

/** Body errors and anything unexpected, in the push answer's shape. */
function pushErrors(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = Number((error as { status?: unknown } | null)?.status);
    if (status === 413) return sendRefusal(res, 413, `The request body is larger than ${maxBodyBytes} bytes`);
    if (status >= 400 && status < 500) return sendRefusal(res, status, "The request body could not be read");
    logger.error({ err: error }, "a push failed before it was committed");
    sendRefusal(res, 503, "The push could not be committed; nothing of it is promised: retry it");
  };
}
