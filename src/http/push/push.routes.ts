import { createHash } from "node:crypto";
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from "express";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { PushConfig } from "../../config/ingest.config";
import type { Logger } from "../../observability/logger";
import { fromPushedMemberInfo } from "../../sources/member-info/loose-member-info";
import { peekMemberKey } from "../../sources/member-info/member-info.mapper";
import type { MemberRecord } from "../../sources/member-record";
import type { SyncService } from "../../sync/sync.service";
import type { IdempotencyStore } from "./idempotency.store";
import { type ItemError, matchKey, type PushAnswer, sendAnswer, sendRefusal } from "./push-answer";

export const PUSH_PATH = "/push/v1";
/** At most this many refused items are listed in one answer (the count says how many there were). */
const MAX_LISTED_ERRORS = 100;
const MAX_MESSAGE_CHARS = 500;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export interface PushRouterDeps {
  config: PushConfig;
  sync: SyncService;
  idempotency: IdempotencyStore;
  logger: Logger;
}

interface PushLocals {
  pushKey: string;
}

/**
 * `POST /push/v1/members`: an AMS pushes whole MemberInfo records (contract §2). Each item is
 * written through the same member writer as a refresh, in one PUSH run per request; the answer
 * comes after the commit, so a 2xx means the data is stored.
 */
export function createPushRouter(deps: PushRouterDeps): Router {
  const { config } = deps;
  const limiter = new RateLimiterMemory({
    keyPrefix: "push",
    points: config.rateLimit.points,
    duration: Math.max(1, Math.round(config.rateLimit.windowMs / 1000)),
  });
  const router = Router();
  router.post(
    "/members",
    checkKey(config.apiKeys),
    rateLimit(limiter),
    // Any content type is read as JSON: AMS clients are not always careful with headers.
    express.raw({ type: () => true, limit: config.maxBodyBytes }),
    (req, res, next) => void acceptMembers(deps, req, res).catch(next),
  );
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

type Body = { tenantCode: unknown; items: unknown };

function readBody(raw: Buffer): Body | string {
  let parsed: unknown;
  try {
    // Some Windows clients start UTF-8 with a byte-order mark, which JSON.parse refuses.
    parsed = JSON.parse(raw.toString("utf8").replace(/^\uFEFF/, ""));
  } catch {
    return "The request body is not valid JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return 'The body must be an object { "TenantCode", "Items" }';
  const body = parsed as Record<string, unknown>;
  return { tenantCode: body.TenantCode, items: body.Items };
}

async function acceptMembers(deps: PushRouterDeps, req: Request, res: Response): Promise<void> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const body = readBody(raw);
  if (typeof body === "string") return sendRefusal(res, 400, body);
  if (typeof body.tenantCode !== "string" || body.tenantCode.trim() !== deps.config.tenantCode) {
    return sendRefusal(res, 403, "TenantCode does not name this gateway's tenant");
  }
  if (!Array.isArray(body.items)) return sendRefusal(res, 400, "Items must be a list of MemberInfo records");
  const items: unknown[] = body.items;
  const header = req.headers["idempotency-key"];
  const idempotencyKey = Array.isArray(header) ? header[0] : header;
  if (idempotencyKey === undefined) {
    const { status, answer } = await writeItems(deps, items);
    return sendAnswer(res, status, JSON.stringify(answer));
  }
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) return sendRefusal(res, 400, "Idempotency-Key must be 1 to 200 visible ASCII characters");
  const scope = deps.idempotency.scope((res.locals as PushLocals).pushKey, idempotencyKey);
  const claim = await deps.idempotency.claim(scope, raw);
  if (claim.kind === "replay") return sendAnswer(res.setHeader("idempotent-replayed", "true"), claim.status, claim.answer);
  if (claim.kind === "in-progress")
    return sendRefusal(res, 409, "A push with this Idempotency-Key is still being processed; retry shortly");
  if (claim.kind === "mismatch") return sendRefusal(res, 422, "This Idempotency-Key was used with a different body");
  try {
    const { status, answer } = await writeItems(deps, items);
    const text = JSON.stringify(answer);
    await deps.idempotency.finish(scope, status, text);
    sendAnswer(res, status, text);
  } catch (error) {
    await deps.idempotency.release(scope).catch(() => undefined);
    throw error;
  }
}

/** Reads every item, writes the good ones in one run; a bad item is listed, never blocking. */
async function writeItems(deps: PushRouterDeps, items: unknown[]): Promise<{ status: number; answer: PushAnswer }> {
  const errors: ItemError[] = [];
  const records: MemberRecord[] = [];
  const indexOf = new Map<string, number>();
  items.forEach((item, index) => {
    try {
      const record = fromPushedMemberInfo(item);
      records.push(record);
      // A key pushed twice is written once, as its last item.
      indexOf.set(record.memberKey, index);
    } catch (error) {
      errors.push({ index, memberKey: peekMemberKey(item), message: messageOf(error) });
    }
  });
  let count = 0;
  if (records.length > 0) {
    const { results } = await deps.sync.acceptPushedMembers(records, { detail: `${indexOf.size} pushed members` });
    for (const result of results) {
      if ("error" in result)
        errors.push({ index: indexOf.get(result.memberKey) ?? -1, memberKey: result.memberKey, message: messageOf(result.error) });
      else count += 1;
    }
  }
  errors.sort((a, b) => a.index - b.index);
  if (errors.length === 0) return { status: 200, answer: { success: true, count, errorMessage: null } };
  const answer: PushAnswer = {
    success: false,
    count,
    errorMessage: `${errors.length} of ${items.length} items were refused${errors.length > MAX_LISTED_ERRORS ? ` (the first ${MAX_LISTED_ERRORS} are listed)` : ""}`,
    errors: errors.slice(0, MAX_LISTED_ERRORS),
  };
  // Nothing written at all is a refusal of the content; some written is a (partial) success.
  return { status: count === 0 ? 422 : 200, answer };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
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
