import express, { type Request, type Response, Router } from "express";
import type { BrowserSsoConfig } from "../config/browser-sso.config";
import { ClientErrorCode, fromSsoError } from "../graph/errors";
import type { Logger } from "../observability/logger";
import type { BrowserSignOn, SessionDelivery } from "../sso/browser/browser-sign-on";
import type { SessionTokens } from "../sso/session/session-tokens";
import { SsoError, SsoErrorCode } from "../sso/sso.error";
import type { LoginKind } from "../sso/browser/login-method";
import { MAX_SAML_RESPONSE_CHARS } from "../sso/saml/saml-service-provider";
import { CSRF_HEADER, callbackPath, loginStateCookie, loginStateSameSite, readCookie, SESSION_COOKIE } from "./cookies";
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
 * Browser sign-on, one route shape per kind: OpenID Connect `/auth/<provider>/login` and
 * `/callback`; SAML `/auth/saml/<provider>/metadata`, `/login` and `/acs` (POST); session
 * variable `/auth/redirect/<provider>/login` and `/callback`; and `/auth/logout`. Refusals answer
 * JSON in the usual error shape, or a short HTML page when a browser navigated here.
 */
export function authRoutes(options: AuthRoutesOptions): Router {
  const { browser, config, logger } = options;
  const router = Router();
  const cookieBase = { httpOnly: true, secure: config.cookieSecure, sameSite: "lax" as const };
  const loginCookieOptions = (kind: LoginKind) => ({ ...cookieBase, sameSite: loginStateSameSite(kind, config.cookieSecure) });
  const refuse = refusal(logger);

  router.get("/auth/saml/:provider/metadata", (req, res) => {
    const provider = String(req.params.provider);
    try {
      const metadata = browser.method("saml", provider).metadata?.();
      if (metadata === undefined) throw new SsoError(SsoErrorCode.METHOD_DISABLED, "No such sign-on provider is configured");
      res.type("application/samlmetadata+xml").send(metadata);
    } catch (error) {
      refuse(req, res, provider, "metadata", error);
    }
  });

  for (const [kind, prefix] of LOGIN_ROUTES) {
    router.get(`${prefix}/:provider/login`, async (req, res) => {
      const provider = String(req.params.provider);
      try {
        const delivery = readDelivery(req.query.delivery);
        const { redirectUrl, loginState } = await browser.start(kind, provider, req.query.returnUrl, delivery);
        const cookie = loginStateCookie(kind, provider);
        res.cookie(cookie.name, loginState, { ...loginCookieOptions(kind), path: cookie.path, maxAge: config.loginTimeoutMs });
        res.setHeader("cache-control", "no-store");
        res.redirect(302, redirectUrl.toString());
      } catch (error) {
        refuse(req, res, provider, "login", error);
      }
    });
  }

  /** The provider's answer, whatever its binding, through the same checks and session start. */
  const callback = (kind: LoginKind) => async (req: Request, res: Response) => {
    const provider = String(req.params.provider);
    const cookie = loginStateCookie(kind, provider);
    // The login state is spent whatever happens next.
    res.clearCookie(cookie.name, { ...loginCookieOptions(kind), path: cookie.path });
    res.setHeader("cache-control", "no-store");
    try {
      // As the provider addressed it: openid-client derives the redirect_uri it sends from it.
      const url = new URL(`${config.publicUrl}${callbackPath(kind, provider)}`);
      url.search = new URL(req.originalUrl, "http://localhost").search;
      const answer = { url, form: readForm(req.body), cookie: (name: string) => readCookie(req.headers, name) };
      const outcome = await browser.finish(kind, provider, answer, readCookie(req.headers, cookie.name), {
        clientAddress: req.ip ?? "unknown",
      });
      const target = new URL(outcome.returnUrl);
      if (outcome.delivery === "code") {
        // In the fragment: never sent to a server, so never in access logs or a Referer.
        target.hash = `${LOGIN_CODE_PARAM}=${encodeURIComponent(outcome.code)}`;
      } else {
        res.cookie(SESSION_COOKIE, outcome.session.accessToken, { ...cookieBase, path: "/", expires: outcome.session.expiresAt });
      }
      // 303: after the SAML POST the browser must GET the return URL.
      res.redirect(kind === "saml" ? 303 : 302, target.toString());
    } catch (error) {
      refuse(req, res, provider, "callback", error);
    }
  };
  router.get("/auth/:provider/callback", callback("oidc"));
  router.get("/auth/redirect/:provider/callback", callback("redirect"));
  router.post(
    "/auth/saml/:provider/acs",
    express.urlencoded({ extended: false, limit: MAX_SAML_RESPONSE_CHARS + 16 * 1024, parameterLimit: 10 }),
    callback("saml"),
  );

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

const LOGIN_ROUTES: ReadonlyArray<readonly [LoginKind, string]> = [
  ["oidc", "/auth"],
  ["saml", "/auth/saml"],
  ["redirect", "/auth/redirect"],
];

/** String fields of a parsed urlencoded body; nothing for a GET. */
function readForm(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null) return {};
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
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
