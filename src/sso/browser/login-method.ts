import type { SsoRequestInfo } from "../sso-method";

/** The families of browser sign-on, each with its own routes under `/auth/`. */
export type LoginKind = "oidc" | "saml" | "redirect";

/** What the provider sent back to the gateway's callback (GET redirect or POST form). */
export interface ProviderAnswer {
  /** The callback URL as the provider addressed it, query included. */
  url: URL;
  /** The fields of a form POST (SAML's HTTP-POST binding); empty for a redirect. */
  form: Record<string, string>;
  /** A cookie of the callback request (a session variable set on a shared domain). */
  cookie(name: string): string | undefined;
}

/** Where a login sends the browser, and what its answer is checked against later. */
export interface LoginStart {
  url: URL;
  /** Names this login: each login finishes at most once, in any process. */
  once: string;
  /** Kept in the sealed login state until the callback (state, nonce, request id, ...). */
  checks: Record<string, string>;
}

/**
 * One browser sign-on method of one provider. Every method has the same shape: `start` sends
 * the browser to the provider, the provider sends it back to the callback, and `finish` turns
 * the answer into a member key. `BrowserSignOn` does the rest for all of them alike: the return
 * URL allow-list, the sealed login state, single use, the sign-on refresh and the session.
 */
export interface BrowserLoginMethod {
  readonly kind: LoginKind;
  readonly name: string;
  /** Names the method and provider in logs, such as `SAML:okta`. */
  readonly label: string;
  start(): Promise<LoginStart>;
  /** Checks that need no provider call, made before the login is spent; throws `SsoError`. */
  precheck?(answer: ProviderAnswer, checks: Record<string, string>): void;
  /** The member key the answer proves; throws `SsoError`. */
  finish(answer: ProviderAnswer, checks: Record<string, string>, request: SsoRequestInfo): Promise<string>;
  /** What the provider is told about this relying party (SAML service provider metadata). */
  metadata?(): string;
}
