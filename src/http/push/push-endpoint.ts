import type { Request, RequestHandler, Response } from "express";
import type { PushConfig } from "../../config/ingest.config";
import type { IdempotencyStore } from "./idempotency.store";
import { type ItemError, type PushAnswer, sendAnswer, sendRefusal } from "./push-answer";

/** At most this many refused items are listed in one answer (the count says how many there were). */
export const MAX_LISTED_ERRORS = 100;
const MAX_MESSAGE_CHARS = 500;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export interface PushLocals {
  pushKey: string;
}

/** Writes the items of one accepted request; resolves once they are committed. */
export type ItemsHandler = (items: unknown[]) => Promise<{ status: number; answer: PushAnswer }>;

export interface PushEndpoint {
  /** The route's name; it scopes Idempotency-Keys so one key on two routes never replays the other's answer. */
  name: string;
  /** What `Items` must hold, for the refusal that says so. */
  itemsAre: string;
  handle: ItemsHandler;
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

/**
 * The envelope every push route shares (after the key, the rate limit and the size limit):
 * `{ TenantCode, Items }` read and checked, the Idempotency-Key claimed and its answer stored,
 * then the route's own handler writes the items. The answer is sent after the commit.
 */
export function pushEndpoint(config: PushConfig, idempotency: IdempotencyStore, endpoint: PushEndpoint): RequestHandler {
  return (req, res, next) => void accept(config, idempotency, endpoint, req, res).catch(next);
}

async function accept(config: PushConfig, idempotency: IdempotencyStore, endpoint: PushEndpoint, req: Request, res: Response) {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const body = readBody(raw);
  if (typeof body === "string") return sendRefusal(res, 400, body);
  if (typeof body.tenantCode !== "string" || body.tenantCode.trim() !== config.tenantCode) {
    return sendRefusal(res, 403, "TenantCode does not name this gateway's tenant");
  }
  if (!Array.isArray(body.items)) return sendRefusal(res, 400, `Items must be a list of ${endpoint.itemsAre}`);
  const items: unknown[] = body.items;
  const header = req.headers["idempotency-key"];
  const idempotencyKey = Array.isArray(header) ? header[0] : header;
  if (idempotencyKey === undefined) {
    const { status, answer } = await endpoint.handle(items);
    return sendAnswer(res, status, JSON.stringify(answer));
  }
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) return sendRefusal(res, 400, "Idempotency-Key must be 1 to 200 visible ASCII characters");
  // Members keep the unprefixed scope they were stored under before other routes existed.
  const scoped = endpoint.name === "members" ? idempotencyKey : `${endpoint.name}:${idempotencyKey}`;
  const scope = idempotency.scope((res.locals as PushLocals).pushKey, scoped);
  const claim = await idempotency.claim(scope, raw);
  if (claim.kind === "replay") return sendAnswer(res.setHeader("idempotent-replayed", "true"), claim.status, claim.answer);
  if (claim.kind === "in-progress")
    return sendRefusal(res, 409, "A push with this Idempotency-Key is still being processed; retry shortly");
  if (claim.kind === "mismatch") return sendRefusal(res, 422, "This Idempotency-Key was used with a different body");
  try {
    const { status, answer } = await endpoint.handle(items);
    const text = JSON.stringify(answer);
    await idempotency.finish(scope, status, text);
    sendAnswer(res, status, text);
  } catch (error) {
    await idempotency.release(scope).catch(() => undefined);
    throw error;
  }
}

/**
 * The answer for `total` items of which `count` were written and `errors` refused: 200 when
 * anything was written (a partial success lists what was not), 422 when nothing was.
 */
export function itemsAnswer(
  total: number,
  count: number,
  errors: ItemError[],
  extra: Partial<PushAnswer> = {},
): { status: number; answer: PushAnswer } {
  errors.sort((a, b) => a.index - b.index);
  if (errors.length === 0) return { status: 200, answer: { success: true, count, errorMessage: null, ...extra } };
  const answer: PushAnswer = {
    success: false,
    count,
    errorMessage: `${errors.length} of ${total} items were refused${errors.length > MAX_LISTED_ERRORS ? ` (the first ${MAX_LISTED_ERRORS} are listed)` : ""}`,
    errors: errors.slice(0, MAX_LISTED_ERRORS),
    ...extra,
  };
  return { status: count === 0 ? 422 : 200, answer };
}

/** An error's message, cut to a length an answer may carry. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
