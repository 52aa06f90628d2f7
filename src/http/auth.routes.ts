import express, { type Request, type Response, Router } from "express";
import type { BrowserSsoConfig } from "../config/browser-sso.config";
import { ClientErrorCode, fromSsoError } from "../graph/errors";
import type { Logger } from "../observability/logger";
import type { BrowserSignOn, SessionDelivery } from "../sso/browser/browser-sign-on";
import type { SessionTokens } from "../sso/session/session-tokens";
import { SsoError, SsoErrorCode } from "../sso/sso.error";
import { CSRF_HEADER, loginStateCookie, readCookie, SESSION_COOKIE } from "./cookies";
import { sendError } from "./json-errors";

/** The fragment parameter carrying a one-time login code back to the front end. */
export const LOGIN_CODE_PARAM = "amsgate_code";

export interface AuthRoutesOptions {
  browser: BrowserSignOn;
  sessions: SessionTokens;
  config: BrowserSsoConfig;
  logger: Logger;
}

/**
 * `/auth/<provider>/login`, `/auth/<provider>/callback` and `/auth/logout`. Refusals answer
 * JSON in the usual error shape, or a short HTML page when a browser navigated here.
 */
export function authRoutes(options: AuthRoutesOptions): Router {
  const { browser, config, logger } = options;
  const router = Router();
  const cookieBase = { httpOnly: true, secure: config.cookieSecure, sameSite: "lax" as const };
  const refuse = refusal(logger);

  router.get("/auth/:provider/login", async (req, res) => {
    const provider = String(req.params.provider);
    try {
      const delivery = readDelivery(req.query.delivery);
      const { redirectUrl, loginState } = await browser.start(provider, req.query.returnUrl, delivery);
      const cookie = loginStateCookie(provider);
      res.cookie(cookie.name, loginState, { ...cookieBase, path: cookie.path, maxAge: config.loginTimeoutMs });
      res.setHeader("cache-control", "no-store");
      res.redirect(302, redirectUrl.toString());
    } catch (error) {
      refuse(req, res, provider, "login", error);
    }
  });

  router.get("/auth/:provider/callback", async (req, res) => {
    const provider = String(req.params.provider);
    const cookie = loginStateCookie(provider);
    // The login state is spent whatever happens next.
    res.clearCookie(cookie.name, { ...cookieBase, path: cookie.path });
    res.setHeader("cache-control", "no-store");
    try {
      // As the provider redirected to it: openid-client derives the redirect_uri it sends from it.
      const callbackUrl = new URL(`${config.publicUrl}/auth/${provider}/callback`);
      callbackUrl.search = new URL(req.originalUrl, "http://localhost").search;
      const outcome = await browser.finish(provider, callbackUrl, readCookie(req.headers, cookie.name), {
        clientAddress: req.ip ?? "unknown",
      });
      const target = new URL(outcome.returnUrl);
      if (outcome.delivery === "code") {
        // In the fragment: never sent to a server, so never in access logs or a Referer.
        target.hash = `${LOGIN_CODE_PARAM}=${encodeURIComponent(outcome.code)}`;
      } else {
        res.cookie(SESSION_COOKIE, outcome.session.accessToken, { ...cookieBase, path: "/", expires: outcome.session.expiresAt });
      }
      res.redirect(302, target.toString());
    } catch (error) {
      refuse(req, res, provider, "callback", error);
    }
  });

  router.post("/auth/logout", express.json({ limit: 1024 }), async (req, res) => {
    const cookie = readCookie(req.headers, SESSION_COOKIE);
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (bearer === undefined && cookie !== undefined && req.get(CSRF_HEADER) === undefined) {
      return sendError(res, 403, ClientErrorCode.FORBIDDEN, `A cookie-authenticated request must carry the ${CSRF_HEADER} header`);
    }
    const token = bearer ?? cookie;
    res.clearCookie(SESSION_COOKIE, { ...cookieBase, path: "/" });
    if (token === undefined) return sendError(res, 401, ClientErrorCode.UNAUTHENTICATED, "Not signed in");
    if (!(await options.sessions.revoke(token)))
      return sendError(res, 401, ClientErrorCode.UNAUTHENTICATED, "Not signed in: the session is not valid or has ended");
    logger.info({ clientAddress: req.ip }, "signed out");
    res.status(204).end();
  });

  return router;
}

function readDelivery(value: unknown): SessionDelivery {
  if (value === undefined || value === "cookie") return "cookie";
  if (value === "code") return "code";
  throw new SsoError(SsoErrorCode.BAD_REQUEST, 'delivery must be "cookie" or "code"');
}

const STATUS: Record<string, number> = {
  [ClientErrorCode.BAD_USER_INPUT]: 400,
  [ClientErrorCode.UNAUTHENTICATED]: 401,
  [ClientErrorCode.FORBIDDEN]: 403,
  [ClientErrorCode.RATE_LIMITED]: 429,
  [ClientErrorCode.SOURCE_UNAVAILABLE]: 503,
};

/** Logs the refusal (code and provider, never a code, token or state) and answers it. */
function refusal(logger: Logger) {
  return (req: Request, res: Response, provider: string, step: string, error: unknown): void => {
    if (!(error instanceof SsoError)) {
      logger.error({ err: error, provider, step }, "browser sign-on failed");
      return answer(req, res, 500, { code: ClientErrorCode.INTERNAL_SERVER_ERROR, message: "Internal server error" });
    }
    logger.warn({ provider, step, code: error.code, clientAddress: req.ip }, "browser sign-on refused");
    if (error.code === SsoErrorCode.METHOD_DISABLED) {
      return answer(req, res, 404, { code: ClientErrorCode.NOT_FOUND, message: error.message, extensions: { reason: error.code } });
    }
    const mapped = fromSsoError(error);
    answer(req, res, STATUS[mapped.code] ?? 400, { ...mapped, extensions: { reason: error.code, ...mapped.extensions } });
  };
}

function answer(
  req: Request,
  res: Response,
  status: number,
  mapped: { code: string; message: string; extensions?: Record<string, unknown> },
): void {
  if (wantsHtml(req)) {
    res.status(status).type("text/html").send(errorPage(mapped.message));
    return;
  }
  res
    .status(status)
    .type("application/json")
    .send(JSON.stringify({ errors: [{ message: mapped.message, extensions: { ...mapped.extensions, code: mapped.code } }] }));
}

/** A browser navigating asks for HTML first; fetch and API clients do not. */
function wantsHtml(req: Request): boolean {
  return req.accepts(["application/json", "text/html"]) === "text/html" && (req.get("accept") ?? "").includes("text/html");
}

function errorPage(message: string): string {
  const text = message.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-on failed</title></head><body><h1>Sign-on failed</h1><p>${text}</p></body></html>`;
}
