/** The ways a caller can prove who they are. */
export enum SsoMethod {
  PRESHARED_KEY = "PRESHARED_KEY",
  PERSONIFY = "PERSONIFY",
  CREDENTIALS = "CREDENTIALS",
  OIDC = "OIDC",
  WEB_SERVICE = "WEB_SERVICE",
  /** The one-time code a browser login (`/auth/<provider>/callback`) hands the front end. */
  LOGIN_CODE = "LOGIN_CODE",
}

/** What `exchangeSsoToken` hands a method; each reads the fields it needs. */
export interface SsoExchangeInput {
  method: SsoMethod;
  token?: string | null;
  username?: string | null;
  password?: string | null;
  /** OIDC: the nonce the app put in its authorization request. */
  nonce?: string | null;
}

/** Where the request came from; for rate limits and logs. */
export interface SsoRequestInfo {
  clientAddress: string;
}

/** A method turns its proof into the AMS member key, or throws `SsoError`. */
export interface SsoMethodHandler {
  readonly method: SsoMethod;
  resolve(input: SsoExchangeInput, request: SsoRequestInfo): Promise<{ memberKey: string }>;
  /**
   * Where to send a browser to sign on with this method so that it comes back to `returnUrl`
   * carrying the proof `resolve` takes. Only methods whose provider signs on through a redirect
   * offer it. Throws `SsoError` (a return URL not allowed, the provider unavailable).
   */
  buildLoginUrl?(returnUrl: string): Promise<string>;
}
