import { createHash } from "node:crypto";
import { type CacheProvider, type Profile, SAML, type SamlConfig, SamlStatusError, ValidateInResponseTo } from "@node-saml/node-saml";
import type { SamlProviderConfig } from "../../config/saml.config";
import type { Logger } from "../../observability/logger";
import type { Clock } from "../../time/clock";
import type { BrowserLoginMethod, LoginStart, ProviderAnswer } from "../browser/login-method";
import type { ReplayGuard } from "../replay/replay.guard";
import type { SsoRequestInfo } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { type AssertionFacts, checkDestination, readVerifiedAssertion } from "./saml-checks";

/** A SAMLResponse larger than this is refused before it is parsed. */
export const MAX_SAML_RESPONSE_CHARS = 256 * 1024;

/**
 * node-saml reads the time with `new Date()`; the gateway's clock decides NotBefore and
 * NotOnOrAfter instead, so they follow the same clock as every other expiry (and tests).
 */
class ClockedSaml extends SAML {
  constructor(
    options: SamlConfig,
    private readonly clock: Clock,
  ) {
    super(options);
  }

  protected override checkTimestampsValidityError(_nowMs: number, notBefore: string, notOnOrAfter: string, maxTimeLimitMs?: number) {
    return super.checkTimestampsValidityError(this.clock.now().getTime(), notBefore, notOnOrAfter, maxTimeLimitMs);
  }
}

/**
 * One SAML 2.0 identity provider, with the gateway as service provider, through node-saml:
 * an AuthnRequest by the HTTP-Redirect binding, the Response by HTTP-POST to the ACS URL.
 * node-saml verifies the signature of the assertion (required: `wantAssertionsSigned`, one
 * assertion only, which defeats signature wrapping), the audience, NotBefore / NotOnOrAfter
 * and InResponseTo; this class adds Recipient, Destination, the issuer and single use of each
 * assertion id across processes. The request id is not kept in node-saml's in-memory cache but
 * in the browser's sealed login state, like the OpenID Connect state, so any process can
 * finish a login any other started.
 */
export class SamlServiceProvider implements BrowserLoginMethod {
  readonly kind = "saml";
  readonly name: string;
  readonly label: string;

  constructor(
    private readonly config: SamlProviderConfig,
    private readonly deps: {
      clock: Clock;
      /** Remembers assertion ids; shared by every process. */
      assertionGuard: ReplayGuard;
      logger: Logger;
      /** How long a login may take: the assertion guard remembers an id at least this long. */
      loginTimeoutMs: number;
    },
  ) {
    this.name = config.name;
    this.label = `SAML:${config.name}`;
  }

  /** The service provider's metadata: entity id, ACS URL (HTTP-POST), signed assertions wanted. */
  metadata(): string {
    return this.saml(noCache).generateServiceProviderMetadata(null, null);
  }

  async start(): Promise<LoginStart> {
    let requestId: string | undefined;
    const remember: CacheProvider = {
      ...noCache,
      saveAsync: async (key, value) => {
        requestId = key;
        return { value, createdAt: this.deps.clock.now().getTime() };
      },
    };
    const url = new URL(await this.saml(remember).getAuthorizeUrlAsync("", undefined, {}));
    if (requestId === undefined) throw new Error("node-saml built an AuthnRequest without remembering its id");
    return { url, once: requestId, checks: { requestId } };
  }

  async finish(answer: ProviderAnswer, checks: Record<string, string>, request: SsoRequestInfo): Promise<string> {
    const response = answer.form.SAMLResponse;
    if (typeof response !== "string" || response === "") {
      throw new SsoError(SsoErrorCode.BAD_REQUEST, "The identity provider's answer carries no SAMLResponse");
    }
    if (response.length > MAX_SAML_RESPONSE_CHARS) throw this.refuse("SAMLResponse too large", request);
    const profile = await this.validate(response, checks.requestId ?? "", request);
    const facts = this.facts(profile, request);
    await this.claimOnce(facts, request);
    return this.memberKey(profile, request);
  }

  /** node-saml's checks, with InResponseTo answered from this login's own request id. */
  private async validate(response: string, requestId: string, request: SsoRequestInfo): Promise<Profile> {
    const expected: CacheProvider = {
      ...noCache,
      // The login state's expiry (the gateway's clock) bounds the login; node-saml compares this
      // creation time with its own clock, so it is handed "now" to leave that bound to the state.
      getAsync: async (key) => (key === requestId && requestId !== "" ? new Date().toISOString() : null),
    };
    let profile: Profile | null;
    try {
      ({ profile } = await this.saml(expected).validatePostResponseAsync({ SAMLResponse: response }));
    } catch (error) {
      throw this.refusal(error, request);
    }
    if (!profile) throw this.refuse("no assertion (passive or logout answer)", request);
    try {
      checkDestination(profile.getSamlResponseXml?.() ?? "", this.config.acsUrl);
    } catch (error) {
      if (error instanceof SsoError) throw this.logged(error, "Destination is not the ACS URL", request);
      throw this.refuse("response not parseable", request);
    }
    return profile;
  }

  private facts(profile: Profile, request: SsoRequestInfo): AssertionFacts {
    let facts: AssertionFacts;
    try {
      facts = readVerifiedAssertion(profile.getAssertion?.(), this.config.acsUrl);
    } catch (error) {
      if (error instanceof SsoError) throw this.logged(error, error.message, request);
      throw error;
    }
    const { idpEntityId } = this.config;
    if (idpEntityId !== undefined && profile.issuer !== idpEntityId) {
      throw this.logged(
        new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML assertion was not issued by this identity provider"),
        "unexpected issuer",
        request,
      );
    }
    return facts;
  }

  /** Each assertion id is accepted once, in any process, for as long as it could be accepted. */
  private async claimOnce(facts: AssertionFacts, request: SsoRequestInfo): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const until = Math.max(now + this.deps.loginTimeoutMs, (facts.notOnOrAfter?.getTime() ?? 0) + this.config.clockSkewMs);
    // Hashed: an assertion id is the IdP's choice of length, the guard's key is bounded.
    const key = `${this.name}:${createHash("sha256").update(facts.id, "utf8").digest("base64url")}`;
    if (!(await this.deps.assertionGuard.claim(key, new Date(until)))) {
      throw this.logged(
        new SsoError(SsoErrorCode.REPLAYED_TOKEN, "This SAML assertion was already used; sign in again"),
        "assertion id already used",
        request,
      );
    }
  }

  private memberKey(profile: Profile, request: SsoRequestInfo): string {
    const attribute = this.config.memberKeyAttribute;
    const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
    const value = attribute === "nameID" ? profile.nameID : attributes[attribute];
    const key = typeof value === "string" ? value.trim() : Array.isArray(value) && value.length === 1 ? String(value[0]).trim() : "";
    if (key === "" || key.length > 128) {
      throw this.logged(
        new SsoError(SsoErrorCode.INVALID_TOKEN, `The sign-on from ${this.name} carries no member key`),
        `no single ${attribute} value`,
        request,
      );
    }
    return key;
  }

  private saml(cacheProvider: CacheProvider): SAML {
    const { config } = this;
    return new ClockedSaml(
      {
        entryPoint: config.idpSsoUrl,
        idpCert: config.idpCertificates,
        issuer: config.spEntityId,
        audience: config.spEntityId,
        callbackUrl: config.acsUrl,
        identifierFormat: config.nameIdFormat,
        wantAssertionsSigned: true,
        // The assertion's signature is what counts; many IdPs sign only the assertion.
        wantAuthnResponseSigned: false,
        validateInResponseTo: ValidateInResponseTo.always,
        acceptedClockSkewMs: config.clockSkewMs,
        requestIdExpirationPeriodMs: this.deps.loginTimeoutMs,
        disableRequestedAuthnContext: true,
        cacheProvider,
      },
      this.deps.clock,
    );
  }

  /** Sorts node-saml's refusal into a code and a message that name the failed check only. */
  private refusal(error: unknown, request: SsoRequestInfo): SsoError {
    const reason = error instanceof Error ? error.message : String(error);
    let refusal: SsoError;
    if (error instanceof SamlStatusError) {
      refusal = new SsoError(SsoErrorCode.PROVIDER_REFUSED, `${this.name} did not sign you in`);
    } else if (/InResponseTo/i.test(reason)) {
      refusal = new SsoError(SsoErrorCode.LOGIN_STATE_INVALID, "The SAML response does not answer the login started here (InResponseTo)");
    } else if (/expired|No valid subject confirmation/i.test(reason)) {
      refusal = new SsoError(SsoErrorCode.EXPIRED_TOKEN, "The SAML assertion has expired; sign in again");
    } else if (/not yet valid/i.test(reason)) {
      refusal = new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML assertion is not valid yet (NotBefore)");
    } else if (/audience/i.test(reason)) {
      refusal = new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML assertion is not meant for this service (audience)");
    } else if (/signature|multiple assertions|signed data/i.test(reason)) {
      refusal = new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML response is not signed by the identity provider as required");
    } else {
      refusal = new SsoError(SsoErrorCode.INVALID_TOKEN, `The SAML response from ${this.name} could not be verified`);
    }
    // node-saml's messages name checks and expected values (entity ids), never keys or assertions.
    return this.logged(refusal, reason.slice(0, 200), request);
  }

  private refuse(reason: string, request: SsoRequestInfo): SsoError {
    return this.logged(
      new SsoError(SsoErrorCode.INVALID_TOKEN, `The SAML response from ${this.name} could not be verified`),
      reason,
      request,
    );
  }

  private logged(error: SsoError, reason: string, request: SsoRequestInfo): SsoError {
    this.deps.logger.warn({ provider: this.name, code: error.code, reason, clientAddress: request.clientAddress }, "SAML response refused");
    return error;
  }
}

const noCache: CacheProvider = {
  saveAsync: async (_key, value) => ({ value, createdAt: 0 }),
  getAsync: async () => null,
  removeAsync: async () => null,
};
