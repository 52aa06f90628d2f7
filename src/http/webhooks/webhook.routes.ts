import express, { type ErrorRequestHandler, type Request, type Response, Router } from "express";
import { Webhook } from "standardwebhooks";
import type { WebhookConfig } from "../../config/ingest.config";
import type { Logger } from "../../observability/logger";
import type { SyncService } from "../../sync/sync.service";
import { SyncError } from "../../sync/sync.error";
import type { DatabaseReplayGuard } from "../../sso/replay/database-replay.guard";
import type { Clock } from "../../time/clock";
import { sendAnswer, sendRefusal } from "../push/push-answer";
import { checkSignature, TOLERANCE_MS } from "./webhook-signature";

export const WEBHOOK_PATH = "/webhooks";
const MAX_ID_CHARS = 150;

export interface WebhookRouterDeps {
  config: WebhookConfig;
  sync: SyncService;
  /** Webhook ids already handled (a redelivery is answered 2xx and does nothing). */
  deliveries: DatabaseReplayGuard;
  clock: Clock;
  logger: Logger;
}

type ChangeBody = { type: "members.changed"; keys: string[] } | { type: "events.changed" };

/**
 * `POST /webhooks/ams`: the AMS says what changed, signed per Standard Webhooks
 * (webhook-id, webhook-timestamp, webhook-signature over "id.timestamp.body" with a whsec_
 * secret). Members are queued for a refresh (reason PUSH) in a WEBHOOK run; events.changed
 * starts an event poll. The signature is checked over the raw bytes, before anything is parsed.
 */
export function createWebhookRouter(deps: WebhookRouterDeps): Router {
  // Several secrets verify during a rotation: the sender signs with the new one when it likes.
  const verifiers = deps.config.secrets.map((secret) => new Webhook(secret));
  const router = Router();
  router.post(
    "/ams",
    express.raw({ type: () => true, limit: deps.config.maxBodyBytes }),
    (req, res, next) => void receive(deps, verifiers, req, res).catch(next),
  );
  router.use(webhookErrors(deps.logger, deps.config.maxBodyBytes));
  return router;
}

async function receive(deps: WebhookRouterDeps, verifiers: Webhook[], req: Request, res: Response): Promise<void> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const headers = {
    "webhook-id": header(req, "webhook-id"),
    "webhook-timestamp": header(req, "webhook-timestamp"),
    "webhook-signature": header(req, "webhook-signature"),
  };
  const refused = checkSignature(verifiers, raw, headers, deps.clock.now().getTime());
  if (refused !== null) return sendRefusal(res, 401, refused);
  const id = headers["webhook-id"];
  if (id.length > MAX_ID_CHARS) return sendRefusal(res, 400, `webhook-id is longer than ${MAX_ID_CHARS} characters`);
  const change = readChange(raw);
  if (typeof change === "string") return sendRefusal(res, 400, change);
  // Kept past the tolerance on both sides: by then the timestamp alone refuses a replay.
  const fresh = await deps.deliveries.claim(id, new Date(deps.clock.now().getTime() + 2 * TOLERANCE_MS));
  if (!fresh) return sendAnswer(res, 200, JSON.stringify({ success: true, count: 0, errorMessage: null, duplicate: true }));
  try {
    const run =
      change.type === "members.changed"
        ? await deps.sync.queueChanged(change.keys, "PUSH", `webhook ${id}`)
        : await deps.sync.runEventRefresh();
    res.setHeader("x-sync-run-id", run.id);
    sendAnswer(
      res,
      202,
      JSON.stringify({ success: true, count: change.type === "members.changed" ? new Set(change.keys).size : 0, errorMessage: null }),
    );
  } catch (error) {
    // Not handled: the sender's retry (same id) must be taken, not ignored as a duplicate.
    await deps.deliveries.release(id).catch(() => undefined);
    if (error instanceof SyncError) return sendRefusal(res, 400, error.message);
    throw error;
  }
}

function header(req: Request, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function readChange(raw: Buffer): ChangeBody | string {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return "The webhook body is not valid JSON";
  }
  const object = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (object.type === "events.changed") return { type: "events.changed" };
  if (object.type !== "members.changed") return 'type must be "members.changed" or "events.changed"';
  const data = typeof object.data === "object" && object.data !== null ? (object.data as Record<string, unknown>) : {};
  const keys = data.keys;
  if (!Array.isArray(keys) || keys.length === 0) return "data.keys must be a non-empty list of member keys";
  const texts = keys.map((key) => (typeof key === "number" && Number.isFinite(key) ? String(key) : key));
  if (texts.some((key) => typeof key !== "string")) return "data.keys must hold member keys (text or numbers)";
  return { type: "members.changed", keys: texts as string[] };
}

function webhookErrors(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = Number((error as { status?: unknown } | null)?.status);
    if (status === 413) return sendRefusal(res, 413, `The webhook body is larger than ${maxBodyBytes} bytes`);
    if (status >= 400 && status < 500) return sendRefusal(res, status, "The webhook body could not be read");
    logger.error({ err: error }, "a webhook failed before its work was queued");
    sendRefusal(res, 503, "The webhook could not be handled; retry it");
  };
}
