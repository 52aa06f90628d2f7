import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { callbackPath, loginStateCookie, loginStateSameSite } from "./cookies";

describe("login-state cookies", () => {
  it("are scoped to each kind's callback path, with distinct names", () => {
    assert.deepEqual(loginStateCookie("oidc", "my-idp"), { name: "amsgate_login_my_idp", path: "/auth/my-idp/callback" });
    assert.deepEqual(loginStateCookie("saml", "okta"), { name: "amsgate_saml_okta", path: "/auth/saml/okta/acs" });
    assert.deepEqual(loginStateCookie("redirect", "site"), { name: "amsgate_redirect_site", path: "/auth/redirect/site/callback" });
    assert.equal(callbackPath("saml", "okta"), "/auth/saml/okta/acs");
  });

  it("are SameSite=None for SAML's cross-site POST when Secure, Lax otherwise", () => {
    assert.equal(loginStateSameSite("saml", true), "none");
    assert.equal(loginStateSameSite("saml", false), "lax");
    assert.equal(loginStateSameSite("oidc", true), "lax");
    assert.equal(loginStateSameSite("redirect", true), "lax");
  });
});
