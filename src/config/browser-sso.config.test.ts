import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkReturnUrl } from "../sso/browser/return-url";
import { SsoError } from "../sso/sso.error";
import { readBrowserSsoConfig } from "./browser-sso.config";
import { EnvReader } from "./env-readers";

const HOUR = 60 * 60_000;

function read(env: Record<string, string>, production = false) {
  const reader = new EnvReader(env);
  const config = readBrowserSsoConfig(reader, production, 12 * HOUR);
  return { config, text: reader.problems.join("\n") };
}

const NOVI = {
  OIDC_PROVIDERS: "novi, Okta",
  OIDC_NOVI_ISSUER: "https://login.novi.example",
  OIDC_NOVI_CLIENT_ID: "gateway",
  OIDC_NOVI_CLIENT_SECRET: "novi-secret",
  OIDC_OKTA_AUTHORIZATION_ENDPOINT: "https://okta.example/oauth2/v1/authorize",
  OIDC_OKTA_TOKEN_ENDPOINT: "https://okta.example/oauth2/v1/token",
  OIDC_OKTA_USERINFO_ENDPOINT: "https://okta.example/oauth2/v1/userinfo",
  OIDC_OKTA_CLIENT_ID: "gateway",
  OIDC_OKTA_SCOPES: "profile member",
  OIDC_OKTA_MEMBER_KEY_CLAIM: "ams.memberKey",
  AUTH_PUBLIC_URL: "https://gateway.example.org/",
  SSO_RETURN_URL_ALLOWLIST: "https://app.example.org/account/, http://localhost:5173",
};

describe("readBrowserSsoConfig", () => {
  it("is off with nothing set", () => {
    const { config, text } = read({});
    assert.deepEqual([config.providers, config.cookieSecure, text], [[], true, ""]);
  });

  it("reads named providers: OpenID Connect by discovery and plain OAuth 2.0 by endpoints", () => {
    const { config, text } = read(NOVI);
    assert.equal(text, "");
    const [novi, okta] = config.providers;
    assert.deepEqual(
      [novi!.name, novi!.protocol, novi!.issuer, novi!.endpoints, novi!.scopes, novi!.memberKeyClaim],
      ["novi", "oidc", "https://login.novi.example", undefined, ["openid", "profile", "email"], "sub"],
    );
    assert.deepEqual(
      [okta!.name, okta!.protocol, okta!.clientSecret, okta!.scopes, okta!.memberKeyClaim],
      ["okta", "oauth2", undefined, ["profile", "member"], "ams.memberKey"],
    );
    assert.equal(config.publicUrl, "https://gateway.example.org");
    assert.deepEqual(config.returnUrlAllowlist, [
      { origin: "https://app.example.org", pathPrefix: "/account/" },
      { origin: "http://localhost:5173", pathPrefix: "/" },
    ]);
  });

  it("names every missing or unsafe setting", () => {
    const { text } = read(
      {
        OIDC_PROVIDERS: "novi,bad name,plain",
        OIDC_NOVI_ISSUER: "http://login.novi.example",
        OIDC_PLAIN_AUTHORIZATION_ENDPOINT: "https://plain.example/authorize",
        SSO_RETURN_URL_ALLOWLIST: "http://app.example.org/",
        SESSION_COOKIE_SECURE: "false",
        AUTH_LOGIN_TIMEOUT: "600",
      },
      true,
    );
    for (const expected of [
      /OIDC_NOVI_CLIENT_ID is required/,
      /OIDC_NOVI_ISSUER must use https:/,
      /"bad name" must be a lower-case name/,
      /OIDC_PLAIN_AUTHORIZATION_ENDPOINT and OIDC_PLAIN_TOKEN_ENDPOINT are both required/,
      /OIDC_PLAIN_SCOPES is required/,
      /SESSION_COOKIE_SECURE=false is refused in production/,
      /AUTH_PUBLIC_URL .* is required/,
      /SSO_RETURN_URL_ALLOWLIST entry 1 must use https:/,
      /AUTH_LOGIN_TIMEOUT needs a unit/,
    ]) {
      assert.match(text, expected);
    }
  });
});

describe("checkReturnUrl", () => {
  const allowlist = read(NOVI).config.returnUrlAllowlist;
  it("accepts URLs under an allowed origin and path", () => {
    assert.equal(checkReturnUrl(allowlist, "https://app.example.org/account/profile?tab=1").pathname, "/account/profile");
    assert.equal(checkReturnUrl(allowlist, "http://localhost:5173/").origin, "http://localhost:5173");
  });
  it("refuses other origins, paths outside the prefix, relative and non-http URLs", () => {
    for (const url of [
      "https://app.example.org/accounting",
      "https://app.example.org/account/../admin",
      "https://app.example.org.evil.example/account/",
      "https://user@app.example.org/account/",
      "/account/",
      "javascript:alert(1)",
      "",
    ]) {
      assert.throws(
        () => checkReturnUrl(allowlist, url),
        (error: unknown) => error instanceof SsoError && error.code === "RETURN_URL_NOT_ALLOWED",
        url,
      );
    }
  });
});
