import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { RequestHandler, Response } from "express";
import { AuthError } from "../auth/auth.error";
import type { RequestAuthenticator } from "../auth/request-authenticator";
import type { Viewer } from "../auth/viewer";
import { ClientErrorCode, fromAuthError } from "../graph/errors";
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from "./cookies";
import { sendError } from "./json-errors";

/** Who asks, decided once per HTTP request before GraphQL sees it. */
export interface RequestLocals {
  viewer: Viewer;
  requestId: string;
}

/** A credential refused before any GraphQL runs: answered with this status and code. */
export interface Refusal {
  status: 401 | 403;
  code: ClientErrorCode;
  message: string;
}

/** Set by {@link authenticate} before any GraphQL handler runs. */
export const localsOf = (res: Response) => res.locals as RequestLocals;

/** The caller's request id when it is a sane one (it is echoed and logged), else a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const value = headers["x-request-id"];
  const text = Array.isArray(value) ? value[0] : value;
  return text && /^[\w.:-]{1,128}$/.test(text) ? text : randomUUID();
}

/**
 * Decides who asks, from `Authorization` or else the session cookie; a bad credential is a
 * refusal (401 in the usual error shape), never anonymous. A cookie rides along on any request
 * the browser makes, even one another site's page starts, so a cookie-authenticated request must
 * also carry the CSRF header, which such a page cannot set without a CORS preflight the gateway
 * refuses.
 */
export async function identify(authenticator: RequestAuthenticator, headers: IncomingHttpHeaders): Promise<Viewer | Refusal> {
  let authorization: string | undefined = headers.authorization;
  const cookie = authorization === undefined ? readCookie(headers, SESSION_COOKIE) : undefined;
  if (cookie !== undefined) {
    if (headers[CSRF_HEADER] === undefined) {
      return {
        status: 403,
        code: ClientErrorCode.FORBIDDEN,
        message: `A cookie-authenticated request must carry the ${CSRF_HEADER} header`,
      };
    }
    authorization = `Bearer ${cookie}`;
  }
  try {
    return await authenticator.viewerFor(authorization);
  } catch (error) {
    // Every refused credential is UNAUTHENTICATED (see fromAuthError); the message says why.
    const message = error instanceof AuthError ? fromAuthError(error).message : "Not signed in";
    return { status: 401, code: ClientErrorCode.UNAUTHENTICATED, message };
  }
}

export const isRefusal = (outcome: Viewer | Refusal): outcome is Refusal => "status" in outcome;

/**
 * The express step that sets `res.locals` (viewer, request id) or answers the refusal. A request
 * the query lane handed over already carries both: it is not authenticated twice.
 */
export function authenticate(authenticator: RequestAuthenticator): RequestHandler {
  return async (req, res, next) => {
    const locals = res.locals as Partial<RequestLocals>;
    if (locals.viewer && locals.requestId) {
      res.setHeader("x-request-id", locals.requestId);
      return next();
    }
    const requestId = requestIdOf(req.headers);
    res.setHeader("x-request-id", requestId);
    const outcome = await identify(authenticator, req.headers);
    if (isRefusal(outcome)) return sendError(res, outcome.status, outcome.code, outcome.message);
    Object.assign(res.locals, { viewer: outcome, requestId } satisfies RequestLocals);
    next();
  };
}
