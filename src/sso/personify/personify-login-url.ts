import type { PersonifySsoConfig } from "../../config/sso.config";
import type { Clock } from "../../time/clock";
import { SsoError, SsoErrorCode } from "../sso.error";
import { PersonifyCallError, type PersonifySoapClient, resultText } from "../../sources/personify/personify-soap.client";

const MAX_RETURN_URL_LENGTH = 2048;

/**
 * The return URL as it will be sent, when its origin is on the allow-list; otherwise
 * `SsoError(BAD_REQUEST)`. Refuses credentials in the URL, a fragment (Personify appends `ct` to the
 * query, which a fragment would swallow) and a `ct` parameter already present (which would make the
 * answer ambiguous). Open-redirect protection: Personify sends the browser, token and all, here.
 */
export function checkReturnUrl(returnUrl: string, allowedOrigins: readonly string[]): string {
  const refused = new SsoError(SsoErrorCode.BAD_REQUEST, "The return URL is not allowed for sign-on.");
  if (returnUrl.length > MAX_RETURN_URL_LENGTH) throw refused;
  let url: URL;
  try {
    url = new URL(returnUrl);
  } catch {
    throw refused;
  }
  if (!allowedOrigins.includes(url.origin)) throw refused;
  if (url.username !== "" || url.password !== "" || url.hash !== "" || returnUrl.includes("#")) throw refused;
  if (url.searchParams.has("ct")) throw refused;
  // The vendor token separates timestamp and URL with `|`; keep the URL free of it.
  return url.href.replaceAll("|", "%7C");
}

/**
 * What `VendorTokenEncrypt` is asked to encrypt: `<timestamp>|<returnUrl>`, the timestamp as
 * `yyyyMMddHHmmssfff` in UTC. The contract fixes the order and the separator, not the timestamp's
 * pattern; this is the one Personify's own samples use (in UTC rather than server-local time).
 */
export function vendorTokenPlaintext(at: Date, returnUrl: string): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  const stamp =
    `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}` +
    `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}${pad(at.getUTCMilliseconds(), 3)}`;
  return `${stamp}|${returnUrl}`;
}

export interface PersonifyLoginUrlDependencies {
  config: PersonifySsoConfig;
  client: PersonifySoapClient;
  clock: Clock;
}

/**
 * Where to send the browser to sign in at Personify: `<loginUrl>?vi=<vendorId>&vt=<vendorToken>`,
 * after checking `returnUrl` against `returnUrlOrigins` and asking the service for the vendor
 * token. `SsoError`: `BAD_REQUEST` for a return URL not allowed, `PROVIDER_UNAVAILABLE` when the
 * service fails.
 */
export async function buildPersonifyLoginUrl(returnUrl: string, deps: PersonifyLoginUrlDependencies): Promise<string> {
  const { config, client, clock } = deps;
  const checked = checkReturnUrl(returnUrl, config.returnUrlOrigins);
  let vendorToken: string | undefined;
  try {
    const result = await client.call("VendorTokenEncrypt", [
      ["vendorBlock", config.vendorBlock],
      ["url", vendorTokenPlaintext(clock.now(), checked)],
    ]);
    vendorToken = resultText(result, "VendorToken");
  } catch (error) {
    if (!(error instanceof PersonifyCallError)) throw error;
    throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "Personify sign-on is unavailable right now; try again shortly.", {
      cause: error,
    });
  }
  if (!vendorToken) {
    throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "Personify sign-on is unavailable right now; try again shortly.");
  }
  const login = new URL(config.loginUrl);
  login.searchParams.set("vi", config.vendorId);
  login.searchParams.set("vt", vendorToken);
  return login.href;
}
