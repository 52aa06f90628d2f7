import type { LoginKind } from "../sso/browser/login-method";
import type { IncomingHttpHeaders } from "node:http";

/** The gateway's session cookie (browser sign-on with cookie delivery). */
export const SESSION_COOKIE = "amsgate_session";
/** The header a cookie-authenticated request must carry (a cross-site form or image cannot set it). */
export const CSRF_HEADER = "x-amsgate-csrf";

/** The named cookie from a Cookie header; undefined when absent or not URI-decodable. */
export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0 || part.slice(0, index).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The path a provider sends the browser back to, per kind of browser sign-on. */
export function callbackPath(kind: LoginKind, provider: string): string {
  if (kind === "saml") return `/auth/saml/${provider}/acs`;
  if (kind === "redirect") return `/auth/redirect/${provider}/callback`;
  return `/auth/${provider}/callback`;
}

/** The login-state cookie of one provider, scoped to its callback path. */
export function loginStateCookie(kind: LoginKind, provider: string): { name: string; path: string } {
  const prefix = kind === "oidc" ? "amsgate_login_" : `amsgate_${kind}_`;
  return { name: `${prefix}${provider.replace(/-/g, "_")}`, path: callbackPath(kind, provider) };
}

/**
 * SameSite of a login-state cookie. The IdP answers SAML with a cross-site POST, which carries only
 * `SameSite=None` cookies, and those need `Secure`; over plain http (development only) it falls
 * back to `Lax`, which works when the IdP is on the same site. Redirect callbacks are top-level
 * GET navigations, which carry `Lax` cookies.
 */
export function loginStateSameSite(kind: LoginKind, secure: boolean): "lax" | "none" {
  return kind === "saml" && secure ? "none" : "lax";
}
