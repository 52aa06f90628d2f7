import type { EnvReader } from "./env-readers";
import { isLoopback, readSecureUrl } from "./secure-url";

/** One shared AES-256-GCM key the association's website and the gateway both hold. */
export interface PresharedKey {
  /** Public label carried in every token so the verifier picks the right key; 1–32 of `A-Z a-z 0-9 _ -`. */
  id: string;
  /** 32 bytes. Secret: never logged. */
  secret: Buffer;
}

/** PRESHARED_KEY: tokens minted by the association's website with a shared key. */
export interface PresharedKeySsoConfig {
  /** The first key mints; every key verifies, so a key can be rotated in before the old one goes. */
  keys: PresharedKey[];
  /** Longest lifetime (`exp − iat`) a token may claim. */
  maxTtlMs: number;
  /** How far the website's clock may be off ours. */
  clockSkewMs: number;
}

/** PERSONIFY: the Personify single sign-on SOAP web service. */
export interface PersonifySsoConfig {
  /** `…/SSO/webservice/service.asmx`. */
  serviceUrl: string;
  /** `…/SSO/login.aspx`, where the browser signs in. */
  loginUrl: string;
  vendorId: string;
  vendorUsername: string;
  /** Secret. */
  vendorPassword: string;
  /** Secret. */
  vendorBlock: string;
  /** Origins (`https://host[:port]`) a return URL may point at: open-redirect protection. */
  returnUrlOrigins: string[];
  /** Per SOAP call. */
  timeoutMs: number;
}

/** Algorithms an ID token may be signed with: asymmetric only, so a public key can never be an HMAC secret. */
export const OIDC_ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export type OidcAlgorithm = (typeof OIDC_ALLOWED_ALGORITHMS)[number];

/** OIDC: ID tokens from an OpenID Connect provider. */
export interface OidcSsoConfig {
  issuer: string;
  /** Our client id; the token's `aud` must name it. */
  audience: string;
  /** Unset: discovered from `<issuer>/.well-known/openid-configuration`. */
  jwksUrl: string | undefined;
  algorithms: OidcAlgorithm[];
  /** Claim holding the member key; a dotted path reaches into objects (`ams.memberKey`). */
  memberKeyClaim: string;
  clockToleranceMs: number;
  /** Per discovery or JWKS request. */
  timeoutMs: number;
}

/** Each method is present only when configured. */
export interface SsoConfig {
  presharedKey: PresharedKeySsoConfig | undefined;
  personify: PersonifySsoConfig | undefined;
  oidc: OidcSsoConfig | undefined;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const HEX_256_PATTERN = /^[0-9a-fA-F]{64}$/;
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const PERSONIFY_VARIABLES = [
  "PERSONIFY_SSO_URL",
  "PERSONIFY_LOGIN_URL",
  "PERSONIFY_VENDOR_ID",
  "PERSONIFY_VENDOR_USERNAME",
  "PERSONIFY_VENDOR_PASSWORD",
  "PERSONIFY_VENDOR_BLOCK",
  "PERSONIFY_RETURN_URL_ORIGINS",
] as const;

/** Reads the sign-on methods; a method whose variables are all unset is simply off. */
export function readSsoConfig(read: EnvReader): SsoConfig {
  const clockSkewMs = read.durationMs("SSO_CLOCK_SKEW", 30_000);
  if (clockSkewMs > MAX_CLOCK_SKEW_MS) read.problem("SSO_CLOCK_SKEW must be at most 5m");
  return {
    presharedKey: readPresharedKey(read, clockSkewMs),
    personify: readPersonify(read),
    oidc: readOidc(read, clockSkewMs),
  };
}

function readPresharedKey(read: EnvReader, clockSkewMs: number): PresharedKeySsoConfig | undefined {
  const entries = read.list("SSO_PRESHARED_KEYS");
  if (entries.length === 0) return undefined;
  const keys = parsePresharedKeys(read, entries);
  const maxTtlMs = read.durationMs("SSO_PRESHARED_MAX_TTL", 5 * 60_000, 1_000);
  if (maxTtlMs > 24 * 60 * 60_000) read.problem("SSO_PRESHARED_MAX_TTL must be at most 24h");
  return { keys, maxTtlMs, clockSkewMs };
}

/** `keyId:hex,keyId:hex`. Complaints name the entry by position, never its text: it holds the key. */
function parsePresharedKeys(read: EnvReader, entries: string[]): PresharedKey[] {
  const keys: PresharedKey[] = [];
  entries.forEach((entry, index) => {
    const position = `SSO_PRESHARED_KEYS entry ${index + 1}`;
    const colon = entry.indexOf(":");
    const id = colon < 0 ? "" : entry.slice(0, colon).trim();
    const hex = colon < 0 ? "" : entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id) || !HEX_256_PATTERN.test(hex)) {
      read.problem(`${position} must be keyId:<64 hex characters> with a key id of 1-32 letters, digits, _ or -`);
      return;
    }
    const secret = Buffer.from(hex, "hex");
    if (keys.some((key) => key.id === id)) read.problem(`${position}: key id "${id}" is used more than once`);
    else if (keys.some((key) => key.secret.equals(secret))) read.problem(`${position} repeats the key of an earlier entry`);
    else keys.push({ id, secret });
  });
  return keys;
}

function readPersonify(read: EnvReader): PersonifySsoConfig | undefined {
  const missing = PERSONIFY_VARIABLES.filter((name) => read.raw(name) === undefined);
  if (missing.length === PERSONIFY_VARIABLES.length) return undefined;
  if (missing.length > 0) {
    read.problem(`Personify sign-on is partly configured; also set ${missing.join(", ")}`);
    return undefined;
  }
  const serviceUrl = readSecureUrl(read, "PERSONIFY_SSO_URL");
  const loginUrl = readSecureUrl(read, "PERSONIFY_LOGIN_URL");
  const returnUrlOrigins = readOrigins(read, "PERSONIFY_RETURN_URL_ORIGINS");
  const vendorId = read.raw("PERSONIFY_VENDOR_ID") ?? "";
  if (/\s/.test(vendorId)) read.problem("PERSONIFY_VENDOR_ID must not contain spaces");
  return {
    serviceUrl: serviceUrl ?? "",
    loginUrl: loginUrl ?? "",
    vendorId,
    vendorUsername: read.raw("PERSONIFY_VENDOR_USERNAME") ?? "",
    vendorPassword: read.raw("PERSONIFY_VENDOR_PASSWORD") ?? "",
    vendorBlock: read.raw("PERSONIFY_VENDOR_BLOCK") ?? "",
    returnUrlOrigins,
    timeoutMs: read.durationMs("PERSONIFY_TIMEOUT", 10_000, 100),
  };
}

function readOidc(read: EnvReader, clockToleranceMs: number): OidcSsoConfig | undefined {
  const present = ["OIDC_ISSUER", "OIDC_AUDIENCE"].filter((name) => read.raw(name) !== undefined);
  const extras = ["OIDC_JWKS_URL", "OIDC_ALGORITHMS", "OIDC_MEMBER_KEY_CLAIM"].filter((name) => read.raw(name) !== undefined);
  if (present.length === 0) {
    if (extras.length > 0) read.problem(`${extras.join(", ")} set but OIDC sign-on is off; also set OIDC_ISSUER and OIDC_AUDIENCE`);
    return undefined;
  }
  if (present.length === 1) {
    read.problem(`OIDC sign-on is partly configured; also set ${present[0] === "OIDC_ISSUER" ? "OIDC_AUDIENCE" : "OIDC_ISSUER"}`);
    return undefined;
  }
  const issuer = readSecureUrl(read, "OIDC_ISSUER");
  const jwksUrl = read.raw("OIDC_JWKS_URL") === undefined ? undefined : readSecureUrl(read, "OIDC_JWKS_URL");
  return {
    // The issuer is compared to the token's `iss` exactly as configured, so keep the operator's spelling.
    issuer: issuer === undefined ? "" : (read.raw("OIDC_ISSUER") ?? ""),
    audience: read.raw("OIDC_AUDIENCE") ?? "",
    jwksUrl,
    algorithms: readAlgorithms(read),
    memberKeyClaim: readClaimPath(read),
    clockToleranceMs,
    timeoutMs: read.durationMs("OIDC_TIMEOUT", 5_000, 100),
  };
}

function readAlgorithms(read: EnvReader): OidcAlgorithm[] {
  const listed = read.list("OIDC_ALGORITHMS");
  if (listed.length === 0) return ["RS256", "ES256", "PS256"];
  const algorithms: OidcAlgorithm[] = [];
  for (const name of listed) {
    const match = OIDC_ALLOWED_ALGORITHMS.find((allowed) => allowed === name);
    if (match === undefined) {
      read.problem(`OIDC_ALGORITHMS may list only ${OIDC_ALLOWED_ALGORITHMS.join(", ")} (got "${name}")`);
    } else if (!algorithms.includes(match)) {
      algorithms.push(match);
    }
  }
  return algorithms;
}

function readClaimPath(read: EnvReader): string {
  const path = read.string("OIDC_MEMBER_KEY_CLAIM", "sub");
  const segments = path.split(".");
  if (segments.some((segment) => !/^[A-Za-z0-9_:$-]{1,64}$/.test(segment)) || segments.length > 5) {
    read.problem(`OIDC_MEMBER_KEY_CLAIM must be a claim name or dotted path such as ams.memberKey (got "${path}")`);
    return "sub";
  }
  return path;
}

/** Each entry a bare origin: scheme, host and optional port, nothing else. */
function readOrigins(read: EnvReader, name: string): string[] {
  const origins: string[] = [];
  read.list(name).forEach((entry, index) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      read.problem(`${name} entry ${index + 1} is not a URL`);
      return;
    }
    const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
    if (!bare || !["https:", "http:"].includes(url.protocol)) {
      read.problem(`${name} entry ${index + 1} must be an origin such as https://www.example.org`);
    } else if (url.protocol === "http:" && !isLoopback(url.hostname)) {
      read.problem(`${name} entry ${index + 1} must use https: (http: is accepted only for localhost)`);
    } else if (!origins.includes(url.origin)) {
      origins.push(url.origin);
    }
  });
  return origins;
}

/** The sign-on configuration with every secret masked, for logs. */
export function redactSsoConfig(config: SsoConfig): Record<string, unknown> {
  return {
    presharedKey:
      config.presharedKey === undefined
        ? undefined
        : { ...config.presharedKey, keys: config.presharedKey.keys.map((key) => ({ id: key.id, secret: "***" })) },
    personify: config.personify === undefined ? undefined : { ...config.personify, vendorPassword: "***", vendorBlock: "***" },
    oidc: config.oidc,
  };
}
