import { randomUUID } from "node:crypto";
import type { SessionVariableProviderConfig, SessionVariableResolver } from "../../config/session-variable.config";
import type { BrowserLoginMethod, LoginStart, ProviderAnswer } from "../browser/login-method";
import { SsoMethod, type SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";

/** The token methods a session variable is resolved with: they are the ones `exchangeSsoToken` uses. */
export interface ProofResolver {
  resolveProof(method: SsoMethod, token: string, request: SsoRequestInfo): Promise<string>;
  buildLoginUrl(method: SsoMethod, returnUrl: string): Promise<string>;
}

const METHOD_OF: Record<SessionVariableResolver, SsoMethod> = {
  "preshared-key": SsoMethod.PRESHARED_KEY,
  "web-service": SsoMethod.WEB_SERVICE,
  personify: SsoMethod.PERSONIFY,
};

const MAX_TOKEN_CHARS = 4_096;

/**
 * The community-platform method: the browser goes to the association's login page with a Return
 * URL pointing at this gateway's callback, and comes back with a session variable, in the query
 * string or in a cookie the association set on a domain the gateway shares. The variable is
 * resolved by an existing token method: the pre-shared-key format, the AMS's web service, or
 * Personify's `ct` (whose login link Personify's SSO service builds, with a vendor token).
 */
export class SessionVariableLogin implements BrowserLoginMethod {
  readonly kind = "redirect";
  readonly name: string;
  readonly label: string;
  private readonly method: SsoMethod;

  constructor(
    private readonly config: SessionVariableProviderConfig,
    private readonly callbackUrl: string,
    private readonly resolver: ProofResolver,
  ) {
    this.name = config.name;
    this.label = `REDIRECT:${config.name}`;
    this.method = METHOD_OF[config.resolver];
  }

  async start(): Promise<LoginStart> {
    const { config } = this;
    let url: URL;
    if (config.resolver === "personify") {
      url = new URL(await this.resolver.buildLoginUrl(SsoMethod.PERSONIFY, this.callbackUrl));
    } else {
      url = new URL(config.loginUrl!);
      url.searchParams.set(config.returnParam, this.callbackUrl);
    }
    return { url, once: randomUUID(), checks: {} };
  }

  async finish(answer: ProviderAnswer, _checks: Record<string, string>, request: SsoRequestInfo): Promise<string> {
    const { tokenParam, tokenCookie } = this.config;
    const token = answer.url.searchParams.get(tokenParam) ?? (tokenCookie === undefined ? undefined : answer.cookie(tokenCookie));
    if (token === undefined || token.trim() === "") {
      const where = tokenCookie === undefined ? `the ${tokenParam} parameter` : `the ${tokenParam} parameter or the ${tokenCookie} cookie`;
      throw new SsoError(SsoErrorCode.BAD_REQUEST, `The association's login page sent no session variable back (${where})`);
    }
    if (token.length > MAX_TOKEN_CHARS) throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The sign-on token is not valid");
    return this.resolver.resolveProof(this.method, token, request);
  }
}
