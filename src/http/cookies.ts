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

/** The login-state cookie of one provider, scoped to its callback path. */
export function loginStateCookie(provider: string): { name: string; path: string } {
  return { name: `amsgate_login_${provider.replace(/-/g, "_")}`, path: `/auth/${provider}/callback` };
}
