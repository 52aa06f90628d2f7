import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { BrowserSsoConfig } from "../../config/browser-sso.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import type { ReplayGuard } from "../replay/replay.guard";
import type { ExchangeResult, SsoExchangeService } from "../sso-exchange.service";
import type { SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { LOGIN_CODE_PURPOSE, type LoginCode } from "./login-code.method";
import { RelyingParty } from "./relying-party";
import { checkReturnUrl } from "./return-url";
import { SealedBox } from "./sealed-box";

/** How the callback hands the session to the front end. */
export type SessionDelivery = "cookie" | "code";

/** What a browser carries from login to callback, sealed in an HttpOnly cookie. */
interface LoginState extends Record<string, unknown> {
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  returnUrl: string;
  delivery: SessionDelivery;
}

export type CallbackOutcome =
  | { delivery: "cookie"; returnUrl: URL; session: ExchangeResult }
  | { delivery: "code"; returnUrl: URL; code: string };

/**
 * Browser sign-on through a provider's redirect (authorization code with PKCE). The login state
 * (state, nonce, PKCE verifier, return URL) travels in an encrypted, HttpOnly cookie scoped to
 * the callback path: no database row per login, any gateway process can finish a login any other
 * started, and the callback only succeeds in the browser that started the login. Each login
 * state finishes once (the replay guard, shared by every process, remembers its `state`).
 */
export class BrowserSignOn {
  private readonly parties: Map<string, RelyingParty>;
  private readonly loginStates: SealedBox<LoginState>;
  private readonly codes: SealedBox<LoginCode>;

  constructor(
    private readonly config: BrowserSsoConfig,
    private readonly deps: {
      sso: SsoExchangeService;
      /** The session signing key the sealing keys are derived from. */
      secret: Buffer;
      replayGuard: ReplayGuard;
      clock: Clock;
      logger: Logger;
    },
  ) {
    const base = config.publicUrl ?? "";
    this.parties = new Map(
      config.providers.map((provider) => [
        provider.name,
        new RelyingParty(provider, `${base}/auth/${provider.name}/callback`, deps.logger),
      ]),
    );
    this.loginStates = new SealedBox(deps.secret, "login-state", deps.clock);
    this.codes = new SealedBox(deps.secret, LOGIN_CODE_PURPOSE, deps.clock);
  }

  providerNames(): string[] {
    return [...this.parties.keys()];
  }

  /** Where to send the browser, and the sealed login state it must carry back. */
  async start(provider: string, returnUrl: unknown, delivery: SessionDelivery): Promise<{ redirectUrl: URL; loginState: string }> {
    const party = this.party(provider);
    const target = checkReturnUrl(this.config.returnUrlAllowlist, returnUrl);
    const { url, checks } = await party.start();
    const { sealed } = await this.loginStates.seal(
      { provider, ...checks, returnUrl: target.toString(), delivery },
      this.config.loginTimeoutMs,
    );
    return { redirectUrl: url, loginState: sealed };
  }

  /**
   * Checks the callback against the login state, exchanges the code and signs the member on.
   * Refusals are `SsoError`s: LOGIN_STATE_INVALID (no, expired or foreign login state; state
   * mismatch), REPLAYED_TOKEN (this callback was used), INVALID_TOKEN (ID token or nonce),
   * PROVIDER_REFUSED, and the sign-on refusals of `SsoExchangeService`.
   */
  async finish(provider: string, callbackUrl: URL, loginState: string | undefined, request: SsoRequestInfo): Promise<CallbackOutcome> {
    const party = this.party(provider);
    const opened = loginState === undefined ? undefined : await this.loginStates.open(loginState);
    if (!opened || opened.value.provider !== provider) {
      throw new SsoError(SsoErrorCode.LOGIN_STATE_INVALID, "This sign-on was not started in this browser or took too long; sign in again");
    }
    const saved = opened.value;
    if (!sameText(saved.state, callbackUrl.searchParams.get("state"))) {
      throw new SsoError(SsoErrorCode.LOGIN_STATE_INVALID, "The sign-on answer does not match the login started here (state)");
    }
    if (!(await this.deps.replayGuard.claim(saved.state, opened.expiresAt))) {
      throw new SsoError(SsoErrorCode.REPLAYED_TOKEN, "This sign-on answer was already used; sign in again");
    }
    const memberKey = await party.finish(callbackUrl, saved);
    const returnUrl = new URL(saved.returnUrl);
    if (saved.delivery === "code") {
      const { sealed } = await this.codes.seal({ memberKey, codeId: randomUUID(), provider }, this.config.loginCodeTtlMs);
      this.deps.logger.info({ method: `OIDC:${provider}`, memberKey, clientAddress: request.clientAddress }, "login code issued");
      return { delivery: "code", returnUrl, code: sealed };
    }
    const session = await this.deps.sso.signOnResolved(`OIDC:${provider}`, memberKey, request, { ttlMs: this.config.cookieSessionTtlMs });
    return { delivery: "cookie", returnUrl, session };
  }

  private party(provider: string): RelyingParty {
    const party = this.parties.get(provider);
    if (!party) throw new SsoError(SsoErrorCode.METHOD_DISABLED, "No such sign-on provider is configured");
    return party;
  }
}

function sameText(expected: string, actual: string | null): boolean {
  if (actual === null) return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(actual));
}
