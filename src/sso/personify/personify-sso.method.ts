import type { PersonifySsoConfig } from "../../config/sso.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import { SsoMethod, type SsoExchangeInput, type SsoMethodHandler, type SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { buildPersonifyLoginUrl } from "./personify-login-url";
import {
  PersonifyCallError,
  type PersonifyOperation,
  PersonifySoapClient,
  resultText,
} from "../../sources/personify/personify-soap.client";
import type { XmlElement } from "../../sources/personify/personify-soap.xml";

export interface PersonifySsoMethodDependencies {
  clock: Clock;
  /** Refusals and service failures are logged without tokens or vendor secrets. */
  logger?: Logger;
  /** Defaults to a client built from the configuration. */
  client?: PersonifySoapClient;
}

const MAX_CT_LENGTH = 4096;
const INVALID = "The Personify sign-on token is not valid or was already used; sign in again.";
const UNAVAILABLE = "Personify sign-on is unavailable right now; try again shortly.";

/**
 * PERSONIFY: the token is the `ct` Personify appended to the return URL. Decrypts it
 * (`CustomerTokenDecrypt`), checks it (`SSOCustomerTokenIsValid`, which consumes it and hands back
 * `NewCustomerToken`), and reads the customer identifier with the new token
 * (`TIMSSCustomerIdentifierGet`); the member key is the identifier up to its first `|`.
 * `SsoError`: `BAD_REQUEST` (no token), `INVALID_TOKEN` (refused, expired or used),
 * `MEMBER_NOT_FOUND` (no identifier), `PROVIDER_UNAVAILABLE` (timeout, HTTP error, SOAP fault,
 * malformed answer).
 */
export class PersonifySsoMethod implements SsoMethodHandler {
  readonly method = SsoMethod.PERSONIFY;
  private readonly client: PersonifySoapClient;

  constructor(
    private readonly config: PersonifySsoConfig,
    private readonly deps: PersonifySsoMethodDependencies,
  ) {
    this.client = deps.client ?? new PersonifySoapClient(config);
  }

  async resolve(input: SsoExchangeInput, request: SsoRequestInfo): Promise<{ memberKey: string }> {
    const ct = input.token?.trim();
    if (!ct) throw new SsoError(SsoErrorCode.BAD_REQUEST, "A Personify sign-on token (ct) is required.");
    const secrets = [ct];
    if (ct.length > MAX_CT_LENGTH || /[\s\u0000-\u001f]/.test(ct)) throw this.refuse("malformed ct", request);

    const decryptParameters = [
      ["vendorBlock", this.config.vendorBlock],
      ["customerToken", ct],
    ] as const;
    const decrypted = await this.step("CustomerTokenDecrypt", decryptParameters, request, secrets);
    const customerToken = resultText(decrypted, "CustomerToken");
    if (!customerToken) throw this.refuse("CustomerTokenDecrypt returned no token", request);
    secrets.push(customerToken);

    const checked = await this.step("SSOCustomerTokenIsValid", [["customerToken", customerToken]], request, secrets);
    if (resultText(checked, "Valid")?.toLowerCase() !== "true") throw this.refuse("customer token not valid", request);
    // The check consumed the token; only the new one works from here on.
    const newToken = resultText(checked, "NewCustomerToken");
    if (!newToken) throw this.unavailable("SSOCustomerTokenIsValid", "Valid without a NewCustomerToken", request);
    secrets.push(newToken);

    const identified = await this.step("TIMSSCustomerIdentifierGet", [["customerToken", newToken]], request, secrets);
    const memberKey = (resultText(identified, "CustomerIdentifier") ?? "").split("|")[0]!.trim();
    if (memberKey === "") {
      this.log("info", { reason: "no customer identifier" }, request);
      throw new SsoError(SsoErrorCode.MEMBER_NOT_FOUND, "Personify knows no member for this sign-on.");
    }
    return { memberKey };
  }

  /** See {@link buildPersonifyLoginUrl}. */
  buildLoginUrl(returnUrl: string): Promise<string> {
    return buildPersonifyLoginUrl(returnUrl, { config: this.config, client: this.client, clock: this.deps.clock });
  }

  /** One call; `Errors` mean the token was refused, anything else that the service is unwell. */
  private async step(
    operation: PersonifyOperation,
    parameters: ReadonlyArray<readonly [string, string]>,
    request: SsoRequestInfo,
    secrets: readonly string[],
  ): Promise<XmlElement> {
    try {
      return await this.client.call(operation, parameters);
    } catch (error) {
      if (!(error instanceof PersonifyCallError)) throw error;
      if (error.kind === "errors") {
        throw this.refuse(`${operation} returned errors`, request, { errors: this.scrub(error.errors, secrets) });
      }
      throw this.unavailable(operation, error.kind, request, { faultCode: error.faultCode, cause: error });
    }
  }

  private refuse(reason: string, request: SsoRequestInfo, extra: Record<string, unknown> = {}): SsoError {
    this.log("info", { reason, ...extra }, request);
    return new SsoError(SsoErrorCode.INVALID_TOKEN, INVALID);
  }

  private unavailable(
    operation: PersonifyOperation,
    reason: string,
    request: SsoRequestInfo,
    extra: { faultCode?: string; cause?: unknown } = {},
  ): SsoError {
    this.log("warn", { operation, reason, faultCode: extra.faultCode }, request);
    return new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, UNAVAILABLE, { cause: extra.cause });
  }

  private log(level: "info" | "warn", fields: Record<string, unknown>, request: SsoRequestInfo): void {
    this.deps.logger?.[level]({ method: this.method, clientAddress: request.clientAddress, ...fields }, "Personify sign-on refused");
  }

  /** Personify's error strings may quote what they were sent; cut tokens and vendor secrets out. */
  private scrub(errors: readonly string[], secrets: readonly string[]): string[] {
    const hidden = [...secrets, this.config.vendorPassword, this.config.vendorBlock].filter((value) => value.length >= 4);
    return errors.slice(0, 5).map((text) => hidden.reduce((acc, secret) => acc.split(secret).join("[redacted]"), text).slice(0, 200));
  }
}
