import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { readBrowserSsoConfig } from "./browser-sso.config";
import { EnvReader } from "./env-readers";

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  const config = readBrowserSsoConfig(reader, false, 12 * 60 * 60_000);
  return { config, text: reader.problems.join("\n") };
}

function testCertificate(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, "test", "fixtures", "saml", "idp-cert.pem");
    if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  }
  throw new Error("test/fixtures/saml/idp-cert.pem not found");
}

const BASE = { AUTH_PUBLIC_URL: "https://gateway.example.org", SSO_RETURN_URL_ALLOWLIST: "https://app.example.org/" };

describe("SAML and session-variable providers in readBrowserSsoConfig", () => {
  it("reads a SAML provider with endpoints under AUTH_PUBLIC_URL, a PEM or bare base64 certificate", () => {
    const pem = testCertificate();
    const bare = pem.replace(/-----[A-Z ]+-----|\s/g, "");
    const { config, text } = read({
      ...BASE,
      SAML_PROVIDERS: "okta",
      SAML_OKTA_IDP_SSO_URL: "https://okta.example/app/sso/saml",
      SAML_OKTA_IDP_CERTS: `${pem.replace(/\n/g, "\\n")},${bare}`,
      SAML_OKTA_MEMBER_KEY_ATTRIBUTE: "memberKey",
      SAML_OKTA_CLOCK_SKEW: "2m",
    });
    assert.equal(text, "");
    const [okta] = config.samlProviders;
    assert.deepEqual(
      [okta!.acsUrl, okta!.spEntityId, okta!.memberKeyAttribute, okta!.clockSkewMs, okta!.idpCertificates.length],
      ["https://gateway.example.org/auth/saml/okta/acs", "https://gateway.example.org/auth/saml/okta/metadata", "memberKey", 120_000, 2],
    );
  });

  it("names every missing or bad SAML setting", () => {
    const { text } = read({
      SAML_PROVIDERS: "okta,Bad Name",
      SAML_OKTA_IDP_SSO_URL: "http://okta.example/sso",
      SAML_OKTA_IDP_CERTS: "bm90IGEgY2VydGlmaWNhdGU=",
      SAML_OKTA_CLOCK_SKEW: "30",
    });
    assert.match(text, /SAML_PROVIDERS entry "bad name"/);
    assert.match(text, /SAML_OKTA_IDP_SSO_URL/);
    assert.match(text, /SAML_OKTA_IDP_CERTS entry 1 is not an X.509 certificate/);
    assert.match(text, /SAML_OKTA_CLOCK_SKEW needs a unit/);
    assert.match(text, /SAML_PROVIDERS is set, so AUTH_PUBLIC_URL/);
    assert.match(text, /SSO_RETURN_URL_ALLOWLIST is required/);
  });

  it("reads session-variable providers with their parameter names, and names bad ones", () => {
    const { config, text } = read({
      ...BASE,
      REDIRECT_PROVIDERS: "site,personify",
      REDIRECT_SITE_RESOLVE: "preshared-key",
      REDIRECT_SITE_LOGIN_URL: "https://www.association.example/login",
      REDIRECT_SITE_TOKEN_COOKIE: "ASSOC_SSO",
      REDIRECT_PERSONIFY_RESOLVE: "personify",
    });
    assert.equal(text, "");
    assert.deepEqual(
      config.sessionVariableProviders.map((provider) => [provider.name, provider.returnParam, provider.tokenParam, provider.tokenCookie]),
      [
        ["site", "ReturnUrl", "token", "ASSOC_SSO"],
        ["personify", "ReturnUrl", "ct", undefined],
      ],
    );
    const bad = read({ ...BASE, REDIRECT_PROVIDERS: "site", REDIRECT_SITE_RESOLVE: "magic", REDIRECT_SITE_RETURN_PARAM: "a b" }).text;
    assert.match(bad, /REDIRECT_SITE_RESOLVE must be one of preshared-key, web-service, personify/);
    assert.match(bad, /REDIRECT_SITE_LOGIN_URL .* is required/);
    assert.match(bad, /REDIRECT_SITE_RETURN_PARAM must be a parameter name/);
  });
});
