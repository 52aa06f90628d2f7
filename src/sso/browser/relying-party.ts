import { createHash, timingSafeEqual } from "node:crypto";
import type * as Oidc from "openid-client" with { "resolution-mode": "import" };
import type { RedirectProviderConfig } from "../../config/browser-sso.config";
import type { Logger } from "../../observability/logger";
import { asMemberKey, claimAt } from "../oidc/oidc-claims";
import { SsoError, SsoErrorCode } from "../sso.error";
import type { BrowserLoginMethod, LoginStart, ProviderAnswer } from "./login-method";

/** What a login must remember until its callback. */
export interface LoginChecks extends Record<string, string> {
  state: string;
  nonce: string;
  codeVerifier: string;
}

// openid-client 6 is an ES module; this CommonJS build loads it with a dynamic import.
let library: Promise<typeof Oidc> | undefined;
const loadLibrary = () => (library ??= import("openid-client"));

/**
 * One provider as an OAuth 2.0 / OpenID Connect relying party (authorization code with PKCE),
 * through `openid-client`, which does discovery, the token request, ID token validation (issuer,
 * audience, signature, expiry, nonce) and userinfo. Discovery happens at the first login and is
 * retried at the next one when it failed.
 */
export class RelyingParty implements BrowserLoginMethod {
  readonly kind = "oidc";
  readonly name: string;
  readonly label: string;
  private configuration: Promise<Oidc.Configuration> | undefined;

  constructor(
    readonly config: RedirectProviderConfig,
    private readonly redirectUri: string,
    private readonly logger: Logger,
  ) {
    this.name = config.name;
    this.label = `OIDC:${config.name}`;
  }

  /** Fresh state, nonce and PKCE verifier, and the provider's authorization URL that carries them. */
  async start(): Promise<LoginStart> {
    const oidc = await loadLibrary();
    const configuration = await this.configure();
    const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      response_type: "code",
      scope: this.config.scopes.join(" "),
      state: checks.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
      ...(this.config.protocol === "oidc" ? { nonce: checks.nonce } : {}),
    });
    return { url, once: checks.state, checks };
  }

  precheck(answer: ProviderAnswer, checks: Record<string, string>): void {
    if (!sameText(checks.state ?? "", answer.url.searchParams.get("state"))) {
      throw new SsoError(SsoErrorCode.LOGIN_STATE_INVALID, "The sign-on answer does not match the login started here (state)");
    }
  }

  /**
   * Exchanges the code of the callback URL and returns the member key from the configured claim
   * of the verified ID token (OpenID Connect) or of userinfo (plain OAuth 2.0).
   */
  async finish(answer: ProviderAnswer, saved: Record<string, string>): Promise<string> {
    const callbackUrl = answer.url;
    const checks = saved as LoginChecks;
    const oidc = await loadLibrary();
    const configuration = await this.configure();
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(this.config.protocol === "oidc" ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
      });
      if (this.config.protocol === "oidc") claims = tokens.claims();
      else claims = await oidc.fetchUserInfo(configuration, tokens.access_token, oidc.skipSubjectCheck);
    } catch (error) {
      throw this.refusal(oidc, error);
    }
    const memberKey = asMemberKey(claimAt((claims ?? {}) as Record<string, unknown>, this.config.memberKeyClaim));
    if (memberKey === undefined) {
      throw new SsoError(SsoErrorCode.INVALID_TOKEN, `The sign-on from ${this.config.name} carries no member key`);
    }
    return memberKey;
  }

  private configure(): Promise<Oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      this.logger.warn({ provider: this.config.name, reason: error instanceof Error ? error.message : String(error) }, "identity provider discovery failed");
      throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, `The identity provider ${this.config.name} is not answering; try again later`, { cause: error });
    });
    return this.configuration;
  }

  private async discover(): Promise<Oidc.Configuration> {
    const oidc = await loadLibrary();
    const { config } = this;
    const auth = config.clientSecret === undefined ? oidc.None() : oidc.ClientSecretPost(config.clientSecret);
    const insecure = [config.issuer, config.endpoints?.authorization, config.endpoints?.token].some((url) => url?.startsWith("http:"));
    // Configuration refuses http: unless told; the config reader allows it only for loopback hosts.
    const execute = insecure ? [oidc.allowInsecureRequests] : [];
    const timeout = Math.ceil(config.timeoutMs / 1000);
    let configuration: Oidc.Configuration;
    if (config.endpoints === undefined) {
      configuration = await oidc.discovery(new URL(config.issuer!), config.clientId, undefined, auth, { execute, timeout });
    } else {
      const { authorization, token, userinfo, jwks } = config.endpoints;
      configuration = new oidc.Configuration(
        {
          // Plain OAuth 2.0 has no issuer; the authorization server's origin stands in for it.
          issuer: config.issuer ?? new URL(authorization).origin,
          authorization_endpoint: authorization,
          token_endpoint: token,
          userinfo_endpoint: userinfo,
          jwks_uri: jwks,
        },
        config.clientId,
        undefined,
        auth,
      );
      for (const step of execute) step(configuration);
    }
    configuration.timeout = timeout;
    return configuration;
  }

  /** Names the failure for logs and the browser without echoing tokens or codes. */
  private refusal(oidc: typeof Oidc, error: unknown): SsoError {
    if (error instanceof SsoError) return error;
    const reason = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    const claim = failedClaim(error);
    this.logger.warn({ provider: this.config.name, code, claim, reason }, "authorization code exchange refused");
    if (error instanceof oidc.AuthorizationResponseError) {
      return new SsoError(SsoErrorCode.PROVIDER_REFUSED, `${this.config.name} did not sign you in (${safeOAuthError(error.error)})`);
    }
    if (error instanceof oidc.ResponseBodyError) {
      // invalid_grant: a code used before, expired, or not ours.
      if (error.error === "invalid_grant") return new SsoError(SsoErrorCode.REPLAYED_TOKEN, "This sign-on code was already used or has expired; sign in again");
      return new SsoError(SsoErrorCode.PROVIDER_REFUSED, `${this.config.name} refused the sign-on (${safeOAuthError(error.error)})`);
    }
    if (typeof code === "string" && /TIMEOUT|ECONNREFUSED|FETCH|NETWORK/i.test(code)) {
      return new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, `The identity provider ${this.config.name} is not answering; try again later`);
    }
    if (claim === "nonce" || /nonce/i.test(reason)) return new SsoError(SsoErrorCode.INVALID_TOKEN, "The ID token does not belong to this sign-on (nonce)");
    if (/state/i.test(reason)) return new SsoError(SsoErrorCode.LOGIN_STATE_INVALID, "The sign-on answer does not match the login started here (state)");
    return new SsoError(SsoErrorCode.INVALID_TOKEN, `The sign-on answer from ${this.config.name} could not be verified`);
  }
}

/**
 * The claim a comparison failed on: oauth4webapi names it in the cause of its error, which
 * openid-client wraps. Only the name is read; the values (an expected nonce) are never logged.
 */
function failedClaim(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth += 1) {
    const claim = (current as { claim?: unknown }).claim;
    if (typeof claim === "string") return claim;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function sameText(expected: string, actual: string | null): boolean {
  if (actual === null) return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

/** OAuth error codes are a fixed vocabulary of `[\x20-\x7e]`; anything else is not repeated. */
function safeOAuthError(value: unknown): string {
  return typeof value === "string" && /^[a-z_]{1,64}$/.test(value) ? value : "error";
}
