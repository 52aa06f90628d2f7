import type { AllowedReturnUrl } from "../../config/browser-sso.config";
import { SsoError, SsoErrorCode } from "../sso.error";

/**
 * `text` as a URL the gateway may send a browser to: absolute, http(s), on an allowed origin and
 * under its path. Anything else is refused, so `/auth/...` is never an open redirect.
 */
export function checkReturnUrl(allowlist: readonly AllowedReturnUrl[], text: unknown): URL {
  if (typeof text !== "string" || text === "" || text.length > 2048) {
    throw new SsoError(SsoErrorCode.RETURN_URL_NOT_ALLOWED, "returnUrl is required: the absolute URL to come back to after signing on");
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SsoError(SsoErrorCode.RETURN_URL_NOT_ALLOWED, "returnUrl must be an absolute URL");
  }
  // URL normalises "/a/../b"; the check is made on what the browser would really open.
  const allowed = allowlist.some(
    (entry) => url.origin === entry.origin && url.username === "" && url.password === "" && underPath(url.pathname, entry.pathPrefix),
  );
  if (!allowed || !["https:", "http:"].includes(url.protocol)) {
    throw new SsoError(SsoErrorCode.RETURN_URL_NOT_ALLOWED, "returnUrl is not on SSO_RETURN_URL_ALLOWLIST");
  }
  return url;
}

/** Origins of the allow-list: the pages allowed to use cookie sessions across origins. */
export function allowedOrigins(allowlist: readonly AllowedReturnUrl[]): Set<string> {
  return new Set(allowlist.map((entry) => entry.origin));
}

function underPath(pathname: string, prefix: string): boolean {
  if (prefix === "/" || pathname === prefix) return true;
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return pathname.startsWith(base);
}
