import type { BrowserSsoConfig } from "../../config/browser-sso.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import type { ReplayGuard } from "../replay/replay.guard";
import { SamlServiceProvider } from "../saml/saml-service-provider";
import { type ProofResolver, SessionVariableLogin } from "../session-variable/session-variable-login";
import type { BrowserLoginMethod } from "./login-method";
import { RelyingParty } from "./relying-party";

/** Every configured browser sign-on method: OpenID Connect, SAML and session-variable providers. */
export function createBrowserLoginMethods(
  config: BrowserSsoConfig,
  deps: { resolver: ProofResolver; assertionGuard: ReplayGuard; clock: Clock; logger: Logger },
): BrowserLoginMethod[] {
  const base = config.publicUrl ?? "";
  return [
    ...config.providers.map((provider) => new RelyingParty(provider, `${base}/auth/${provider.name}/callback`, deps.logger)),
    ...config.samlProviders.map(
      (provider) =>
        new SamlServiceProvider(provider, {
          clock: deps.clock,
          assertionGuard: deps.assertionGuard,
          logger: deps.logger,
          loginTimeoutMs: config.loginTimeoutMs,
        }),
    ),
    ...config.sessionVariableProviders.map(
      (provider) => new SessionVariableLogin(provider, `${base}/auth/redirect/${provider.name}/callback`, deps.resolver),
    ),
  ];
}
