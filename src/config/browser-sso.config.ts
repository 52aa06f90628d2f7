import type { EnvReader } from "./env-readers";
import { readSamlProviders, type SamlProviderConfig } from "./saml.config";
import { isLoopback, readSecureUrl } from "./secure-url";
import { readSessionVariableProviders, type SessionVariableProviderConfig } from "./session-variable.config";

/** One OAuth 2.0 / OpenID Connect provider a browser signs on with through a redirect. */
export interface RedirectProviderConfig {
  /** Lower-case name used in `/auth/<name>/login` and in `OIDC_<NAME>_*` variables. */
  name: string;
  /** OpenID Connect (ID token verified) or plain OAuth 2.0 (claims read from userinfo). */
  protocol: "oidc" | "oauth2";
  /** OIDC: the issuer; discovery is used unless the endpoints are given. */
  issuer: string | undefined;
  /** Explicit endpoints; all undefined means discovery. */
  endpoints: { authorization: string; token: string; userinfo: string | undefined; jwks: string | undefined } | undefined;
  clientId: string;
  /** Secret. Undefined: a public client (PKCE alone). */
  clientSecret: string | undefined;
  scopes: string[];
  /** Claim (dotted path) holding the AMS member key. */
  memberKeyClaim: string;
  /** Per request to the provider. */
  timeoutMs: number;
}

/** One allowed return URL: its origin, and a path prefix the return URL must start with. */
export interface AllowedReturnUrl {
  origin: string;
  pathPrefix: string;
}

/** Browser sign-on through redirects (`/auth/...`). */
export interface BrowserSsoConfig {
  /** OAuth 2.0 / OpenID Connect providers (`/auth/<name>/...`). */
  providers: RedirectProviderConfig[];
  /** SAML 2.0 identity providers (`/auth/saml/<name>/...`). */
  samlProviders: SamlProviderConfig[];
  /** Association login pages returning a session variable (`/auth/redirect/<name>/...`). */
  sessionVariableProviders: SessionVariableProviderConfig[];
  /** The gateway's public base URL; callbacks are `<publicUrl>/auth/<name>/callback`. */
  publicUrl: string | undefined;
  returnUrlAllowlist: AllowedReturnUrl[];
  /** Cookies carry `Secure`; only outside production may it be turned off (http://localhost). */
  cookieSecure: boolean;
  /** How long a browser has between login and callback (the login-state cookie's lifetime). */
  loginTimeoutMs: number;
  /** How long a one-time login code is good for. */
  loginCodeTtlMs: number;
  /** Lifetime of a cookie session (bounded by SESSION_MAX_AGE). */
  cookieSessionTtlMs: number;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function readBrowserSsoConfig(read: EnvReader, production: boolean, sessionMaxAgeMs: number): BrowserSsoConfig {
  const names = read.list("OIDC_PROVIDERS").map((name) => name.toLowerCase());
  const providers: RedirectProviderConfig[] = [];
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) {
      read.problem(`OIDC_PROVIDERS entry "${name}" must be a lower-case name of letters, digits and dashes`);
      continue;
    }
    if (providers.some((provider) => provider.name === name)) {
      read.problem(`OIDC_PROVIDERS names ${name} twice`);
      continue;
    }
    const provider = readProvider(read, name);
    if (provider) providers.push(provider);
  }
  const cookieSecure = read.bool("SESSION_COOKIE_SECURE", true);
  if (!cookieSecure && production)
    read.problem("SESSION_COOKIE_SECURE=false is refused in production (cookies would travel over plain http)");
  const publicUrl = readPublicUrl(read, production);
  const samlProviders = readSamlProviders(read, publicUrl);
  const sessionVariableProviders = readSessionVariableProviders(read);
  const lists = [
    ["OIDC_PROVIDERS", providers.length],
    ["SAML_PROVIDERS", samlProviders.length],
    ["REDIRECT_PROVIDERS", sessionVariableProviders.length],
  ] as const;
  const setList = lists.find(([, count]) => count > 0)?.[0];
  if (setList && publicUrl === undefined) read.problem(`${setList} is set, so AUTH_PUBLIC_URL (the gateway's public base URL) is required`);
  const allowlist = readAllowlist(read);
  if (setList && allowlist.length === 0)
    read.problem(`${setList} is set, so SSO_RETURN_URL_ALLOWLIST is required (where a browser may be sent back to)`);
  const cookieSessionTtlMs = Math.min(read.durationMs("SESSION_COOKIE_TTL", 8 * 60 * 60_000, 60_000), sessionMaxAgeMs);
  return {
    providers,
    samlProviders,
    sessionVariableProviders,
    publicUrl,
    returnUrlAllowlist: allowlist,
    cookieSecure,
    loginTimeoutMs: read.durationMs("AUTH_LOGIN_TIMEOUT", 10 * 60_000, 10_000),
    loginCodeTtlMs: read.durationMs("AUTH_LOGIN_CODE_TTL", 60_000, 1_000),
    cookieSessionTtlMs,
  };
}

function readProvider(read: EnvReader, name: string): RedirectProviderConfig | undefined {
  const prefix = `OIDC_${name.toUpperCase().replace(/-/g, "_")}_`;
  const clientId = read.raw(`${prefix}CLIENT_ID`);
  if (clientId === undefined) read.problem(`${prefix}CLIENT_ID is required for provider ${name}`);
  const issuerUrl = read.raw(`${prefix}ISSUER`) === undefined ? undefined : readSecureUrl(read, `${prefix}ISSUER`);
  const authorization = optionalUrl(read, `${prefix}AUTHORIZATION_ENDPOINT`);
  const token = optionalUrl(read, `${prefix}TOKEN_ENDPOINT`);
  const userinfo = optionalUrl(read, `${prefix}USERINFO_ENDPOINT`);
  const jwks = optionalUrl(read, `${prefix}JWKS_URI`);
  const explicit = [authorization, token, userinfo, jwks].some((value) => value !== undefined);
  if (explicit && (authorization === undefined || token === undefined)) {
    read.problem(`${prefix}AUTHORIZATION_ENDPOINT and ${prefix}TOKEN_ENDPOINT are both required when endpoints are given`);
  }
  const protocol = issuerUrl !== undefined ? "oidc" : "oauth2";
  if (protocol === "oauth2") {
    if (!explicit)
      read.problem(`provider ${name} needs ${prefix}ISSUER (OpenID Connect discovery) or explicit endpoints (plain OAuth 2.0)`);
    else if (userinfo === undefined)
      read.problem(`${prefix}USERINFO_ENDPOINT is required for a plain OAuth 2.0 provider (no ${prefix}ISSUER): claims are read from it`);
  } else if (explicit && jwks === undefined) {
    read.problem(`${prefix}JWKS_URI is required with explicit endpoints for an OpenID Connect provider`);
  }
  const scopes = read
    .list(`${prefix}SCOPES`)
    .flatMap((entry) => entry.split(/\s+/))
    .filter(Boolean);
  if (protocol === "oidc" && scopes.length > 0 && !scopes.includes("openid"))
    read.problem(`${prefix}SCOPES must include openid for an OpenID Connect provider`);
  if (protocol === "oauth2" && scopes.length === 0) read.problem(`${prefix}SCOPES is required for a plain OAuth 2.0 provider`);
  const claim = read.string(`${prefix}MEMBER_KEY_CLAIM`, "sub");
  if (!/^[A-Za-z0-9_:$-]{1,64}(\.[A-Za-z0-9_:$-]{1,64}){0,4}$/.test(claim))
    read.problem(`${prefix}MEMBER_KEY_CLAIM must be a claim name or dotted path (got "${claim}")`);
  return {
    name,
    protocol,
    // Compared with the ID token's iss as the operator spelled it.
    issuer: issuerUrl === undefined ? undefined : read.raw(`${prefix}ISSUER`),
    endpoints: explicit && authorization && token ? { authorization, token, userinfo, jwks } : undefined,
    clientId: clientId ?? "",
    clientSecret: read.raw(`${prefix}CLIENT_SECRET`),
    scopes: scopes.length > 0 ? scopes : ["openid", "profile", "email"],
    memberKeyClaim: claim,
    timeoutMs: read.durationMs(`${prefix}TIMEOUT`, 5_000, 100),
  };
}

function optionalUrl(read: EnvReader, name: string): string | undefined {
  return read.raw(name) === undefined ? undefined : readSecureUrl(read, name);
}

function readPublicUrl(read: EnvReader, production: boolean): string | undefined {
  if (read.raw("AUTH_PUBLIC_URL") === undefined) return undefined;
  const url = readSecureUrl(read, "AUTH_PUBLIC_URL");
  if (url && production && url.startsWith("http:")) read.problem("AUTH_PUBLIC_URL must use https: in production");
  return url?.replace(/\/+$/, "");
}

/** Entries are absolute URLs; a return URL must share the origin and start with the path. */
function readAllowlist(read: EnvReader): AllowedReturnUrl[] {
  const allowed: AllowedReturnUrl[] = [];
  read.list("SSO_RETURN_URL_ALLOWLIST").forEach((entry, index) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return read.problem(`SSO_RETURN_URL_ALLOWLIST entry ${index + 1} is not a URL`);
    }
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      return read.problem(
        `SSO_RETURN_URL_ALLOWLIST entry ${index + 1} must be an origin with an optional path, such as https://app.example.org/account/`,
      );
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
      return read.problem(`SSO_RETURN_URL_ALLOWLIST entry ${index + 1} must use https: (http: is accepted only for localhost)`);
    }
    allowed.push({ origin: url.origin, pathPrefix: url.pathname });
  });
  return allowed;
}

/** Whether any browser sign-on provider (OIDC, SAML or session variable) is configured. */
export function hasBrowserProviders(config: BrowserSsoConfig): boolean {
  return config.providers.length + config.samlProviders.length + config.sessionVariableProviders.length > 0;
}

/** The configuration with client secrets masked. */
export function redactBrowserSsoConfig(config: BrowserSsoConfig): Record<string, unknown> {
  return {
    ...config,
    providers: config.providers.map((provider) => ({ ...provider, clientSecret: provider.clientSecret === undefined ? undefined : "***" })),
  };
}
