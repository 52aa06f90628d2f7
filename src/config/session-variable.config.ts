import type { EnvReader } from "./env-readers";
import { readSecureUrl } from "./secure-url";

/** How the session variable an association's login page hands back becomes a member key. */
export type SessionVariableResolver = "preshared-key" | "web-service" | "personify";

/**
 * One association login page a browser is redirected to (`/auth/redirect/<name>/...`), the
 * community-platform method: it comes back with a session variable in the query string or in a
 * cookie of a domain the gateway shares.
 */
export interface SessionVariableProviderConfig {
  name: string;
  resolver: SessionVariableResolver;
  /** The association's login page; Personify's is built by its SSO service instead. */
  loginUrl: string | undefined;
  /** The login page's parameter carrying the URL to come back to. */
  returnParam: string;
  /** The query parameter carrying the session variable on the way back. */
  tokenParam: string;
  /** A cookie (set by the association on a shared parent domain) carrying it instead. */
  tokenCookie: string | undefined;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const PARAM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const RESOLVERS: readonly SessionVariableResolver[] = ["preshared-key", "web-service", "personify"];

/** `REDIRECT_PROVIDERS` and each provider's `REDIRECT_<NAME>_*`. */
export function readSessionVariableProviders(read: EnvReader): SessionVariableProviderConfig[] {
  const providers: SessionVariableProviderConfig[] = [];
  for (const name of read.list("REDIRECT_PROVIDERS").map((entry) => entry.toLowerCase())) {
    if (!NAME_PATTERN.test(name)) {
      read.problem(`REDIRECT_PROVIDERS entry "${name}" must be a lower-case name of letters, digits and dashes`);
    } else if (providers.some((provider) => provider.name === name)) {
      read.problem(`REDIRECT_PROVIDERS names ${name} twice`);
    } else {
      providers.push(readProvider(read, name));
    }
  }
  return providers;
}

function readProvider(read: EnvReader, name: string): SessionVariableProviderConfig {
  const prefix = `REDIRECT_${name.toUpperCase().replace(/-/g, "_")}_`;
  const resolverText = read.raw(`${prefix}RESOLVE`);
  const resolver = RESOLVERS.find((entry) => entry === resolverText);
  if (!resolver) read.problem(`${prefix}RESOLVE must be one of ${RESOLVERS.join(", ")} (got "${resolverText ?? ""}")`);
  const personify = resolver === "personify";
  let loginUrl: string | undefined;
  if (personify) {
    if (read.raw(`${prefix}LOGIN_URL`) !== undefined)
      read.problem(`${prefix}LOGIN_URL is not used with RESOLVE=personify: PERSONIFY_LOGIN_URL and the vendor token make the login link`);
  } else if (read.raw(`${prefix}LOGIN_URL`) === undefined) {
    read.problem(`${prefix}LOGIN_URL (the association's login page) is required for provider ${name}`);
  } else {
    loginUrl = readSecureUrl(read, `${prefix}LOGIN_URL`);
  }
  const param = (variable: string, fallback: string) => {
    const value = read.string(`${prefix}${variable}`, fallback);
    if (!PARAM_PATTERN.test(value)) read.problem(`${prefix}${variable} must be a parameter name of letters, digits, ".", "_" or "-"`);
    return value;
  };
  const tokenCookie = read.raw(`${prefix}TOKEN_COOKIE`);
  if (tokenCookie !== undefined && !PARAM_PATTERN.test(tokenCookie)) read.problem(`${prefix}TOKEN_COOKIE must be a cookie name`);
  if (personify && (read.raw(`${prefix}TOKEN_PARAM`) ?? "ct") !== "ct") read.problem(`${prefix}TOKEN_PARAM is always ct for Personify`);
  return {
    name,
    resolver: resolver ?? "preshared-key",
    loginUrl,
    returnParam: param("RETURN_PARAM", "ReturnUrl"),
    tokenParam: personify ? "ct" : param("TOKEN_PARAM", "token"),
    tokenCookie,
  };
}
