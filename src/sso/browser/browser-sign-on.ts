import { randomUUID } from "node:crypto";
import type { BrowserSsoConfig } from "../../config/browser-sso.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import type { ReplayGuard } from "../replay/replay.guard";
import type { ExchangeResult, SsoExchangeService } from "../sso-exchange.service";
import type { SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { LOGIN_CODE_PURPOSE, type LoginCode } from "./login-code.method";
import type { BrowserLoginMethod, LoginKind, ProviderAnswer } from "./login-method";
import { checkReturnUrl } from "./return-url";
import { SealedBox } from "./sealed-box";

/** How the callback hands the session to the front end. */
export type SessionDelivery = "cookie" | "code";

/** What a browser carries from login to callback, sealed in an HttpOnly cookie. */
interface LoginState extends Record<string, unknown> {
  kind: LoginKind;
  provider: string;
  once: string;
  checks: Record<string, string>;
  returnUrl: string;
  delivery: SessionDelivery;
}

export type CallbackOutcome =
  | { delivery: "cookie"; returnUrl: URL; session: ExchangeResult }
  | { delivery: "code"; returnUrl: URL; code: string };

/**
 * Browser sign-on through a provider's redirect, the same for every method (OpenID Connect,
 * SAML, an association's login page): login → provider → callback → sign-on refresh → session.
 * The login state (the method's checks, the return URL) travels in an encrypted, HttpOnly cookie
 * scoped to the callback path: no database row per login, any gateway process can finish a
 * login any other started, and the callback only succeeds in the browser that started the
 * login. Each login finishes once (the replay guard, shared by every process, remembers it).
 */
export class BrowserSignOn {
  private readonly methods: Map<string, BrowserLoginMethod>;
  private readonly loginStates: SealedBox<LoginState>;
  private readonly codes: SealedBox<LoginCode>;

  constructor(
    private readonly config: BrowserSsoConfig,
    private readonly deps: {
      methods: BrowserLoginMethod[];
      sso: SsoExchangeService;
      /** The session signing key the sealing keys are derived from. */
      secret: Buffer;
      replayGuard: ReplayGuard;
      clock: Clock;
      logger: Logger;
    },
  ) {
    this.methods = new Map(deps.methods.map((method) => [`${method.kind}:${method.name}`, method]));
    this.loginStates = new SealedBox(deps.secret, "login-state", deps.clock);
    this.codes = new SealedBox(deps.secret, LOGIN_CODE_PURPOSE, deps.clock);
  }

  /** The configured method of `kind` named `provider`; `SsoError(METHOD_DISABLED)` when none. */
  method(kind: LoginKind, provider: string): BrowserLoginMethod {
    const method = this.methods.get(`${kind}:${provider}`);
    if (!method) throw new SsoError(SsoErrorCode.METHOD_DISABLED, "No such sign-on provider is configured");
    return method;
  }

  /** Where to send the browser, and the sealed login state it must carry back. */
  async start(
    kind: LoginKind,
    provider: string,
    returnUrl: unknown,
    delivery: SessionDelivery,
  ): Promise<{ redirectUrl: URL; loginState: string }> {
    const method = this.method(kind, provider);
    const target = checkReturnUrl(this.config.returnUrlAllowlist, returnUrl);
    const { url, once, checks } = await method.start();
    const { sealed } = await this.loginStates.seal(
      { kind, provider, once, checks, returnUrl: target.toString(), delivery },
      this.config.loginTimeoutMs,
    );
    return { redirectUrl: url, loginState: sealed };
  }

  /**
   * Checks the answer against the login state, lets the method turn it into a member key and
   * signs the member on. Refusals are `SsoError`s: LOGIN_STATE_INVALID (no, expired or foreign
   * login state; an answer to another login), REPLAYED_TOKEN (this login was finished before),
   * the method's own (INVALID_TOKEN, EXPIRED_TOKEN, PROVIDER_REFUSED, ...), and the sign-on
   * refusals of `SsoExchangeService`.
   */
  async finish(
    kind: LoginKind,
    provider: string,
    answer: ProviderAnswer,
    loginState: string | undefined,
    request: SsoRequestInfo,
  ): Promise<CallbackOutcome> {
    const method = this.method(kind, provider);
    const opened = loginState === undefined ? undefined : await this.loginStates.open(loginState);
    if (!opened || opened.value.provider !== provider || opened.value.kind !== kind) {
      throw new SsoError(SsoErrorCode.LOGIN_STATE_INVALID, "This sign-on was not started in this browser or took too long; sign in again");
    }
    const saved = opened.value;
    method.precheck?.(answer, saved.checks);
    if (!(await this.deps.replayGuard.claim(`${kind}:${saved.once}`, opened.expiresAt))) {
      throw new SsoError(SsoErrorCode.REPLAYED_TOKEN, "This sign-on answer was already used; sign in again");
    }
    const memberKey = await method.finish(answer, saved.checks, request);
    const returnUrl = new URL(saved.returnUrl);
    if (saved.delivery === "code") {
      const { sealed } = await this.codes.seal({ memberKey, codeId: randomUUID(), provider }, this.config.loginCodeTtlMs);
      this.deps.logger.info({ method: method.label, memberKey, clientAddress: request.clientAddress }, "login code issued");
      return { delivery: "code", returnUrl, code: sealed };
    }
    const session = await this.deps.sso.signOnResolved(method.label, memberKey, request, { ttlMs: this.config.cookieSessionTtlMs });
    return { delivery: "cookie", returnUrl, session };
  }
}
