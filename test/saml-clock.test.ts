import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SamlProviderConfig } from "../src/config/saml.config";
import { createLogger } from "../src/observability/logger";
import { InMemoryReplayGuard } from "../src/sso/replay/replay.guard";
import { SamlServiceProvider } from "../src/sso/saml/saml-service-provider";
import { SsoError, SsoErrorCode } from "../src/sso/sso.error";
import { ManualClock } from "../src/time/clock";
import { SamlIdp } from "./support/saml-idp";

const ACS = "https://gateway.example.org/auth/saml/okta/acs";
const ENTITY = "https://gateway.example.org/auth/saml/okta/metadata";

describe("SAML validity periods follow the gateway's clock, not the machine's", () => {
  // Years from the machine's time: only the injected clock can make these assertions current.
  const clock = new ManualClock("2031-06-01T12:00:00.000Z");
  const idp = new SamlIdp();
  idp.now = () => clock.now();
  const config: SamlProviderConfig = {
    name: "okta",
    idpSsoUrl: "https://idp.example.org/sso",
    idpCertificates: [idp.cert],
    idpEntityId: idp.entityId,
    spEntityId: ENTITY,
    acsUrl: ACS,
    memberKeyAttribute: "nameID",
    nameIdFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    clockSkewMs: 30_000,
  };
  const provider = new SamlServiceProvider(config, {
    clock,
    assertionGuard: new InMemoryReplayGuard(clock),
    logger: createLogger("silent"),
    loginTimeoutMs: 10 * 60_000,
  });
  const request = { clientAddress: "127.0.0.1" };

  async function answer(options: { notOnOrAfter?: Date; notBefore?: Date } = {}) {
    const { url, checks } = await provider.start();
    assert.equal(`${url.origin}${url.pathname}`, config.idpSsoUrl);
    const received = { id: checks.requestId!, acsUrl: ACS, issuer: ENTITY, destination: config.idpSsoUrl, relayState: undefined };
    const SAMLResponse = idp.response(received, { nameId: "K1", ...options });
    return provider.finish({ url: new URL(ACS), form: { SAMLResponse }, cookie: () => undefined }, checks, request);
  }

  const refusedWith = async (attempt: Promise<unknown>, code: SsoErrorCode) => {
    await assert.rejects(attempt, (error: unknown) => error instanceof SsoError && error.code === code);
  };

  it("accepts an assertion current by the gateway's clock", async () => {
    assert.equal(await answer(), "K1");
  });

  it("refuses it once the gateway's clock passes NotOnOrAfter plus the skew", async () => {
    const notOnOrAfter = new Date(clock.now().getTime() + 60_000);
    const { url: _url, checks } = await provider.start();
    const received = { id: checks.requestId!, acsUrl: ACS, issuer: ENTITY, destination: config.idpSsoUrl, relayState: undefined };
    const SAMLResponse = idp.response(received, { nameId: "K1", notOnOrAfter });
    clock.advance(60_000 + 30_000);
    await refusedWith(
      provider.finish({ url: new URL(ACS), form: { SAMLResponse }, cookie: () => undefined }, checks, request),
      SsoErrorCode.EXPIRED_TOKEN,
    );
  });

  it("refuses an assertion whose NotBefore is beyond the skew by the gateway's clock", async () => {
    await refusedWith(answer({ notBefore: new Date(clock.now().getTime() + 31_000) }), SsoErrorCode.INVALID_TOKEN);
    assert.equal(await answer({ notBefore: new Date(clock.now().getTime() + 29_000) }), "K1", "within the skew");
  });
});
