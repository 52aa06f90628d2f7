import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";
import { EnvReader } from "./env-readers";
import { readSsoConfig } from "./sso.config";

const HEX_A = "a".repeat(32) + "0123456789abcdef".repeat(2);
const HEX_B = "B".repeat(64);
const PERSONIFY = {
  PERSONIFY_SSO_URL: "https://sso.example.org/SSO/webservice/service.asmx",
  PERSONIFY_LOGIN_URL: "https://sso.example.org/SSO/login.aspx",
  PERSONIFY_VENDOR_ID: "AMSGATE",
  PERSONIFY_VENDOR_USERNAME: "amsgate",
  PERSONIFY_VENDOR_PASSWORD: "vendor-password-secret",
  PERSONIFY_VENDOR_BLOCK: "vendor-block-secret",
  PERSONIFY_RETURN_URL_ORIGINS: "https://members.example.org, https://learn.example.org/",
};

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  const config = readSsoConfig(reader);
  return { config, problems: reader.problems, text: reader.problems.join("\n") };
}

describe("readSsoConfig", () => {
  it("turns every method off when nothing is set", () => {
    assert.deepEqual(read({}), { config: { presharedKey: undefined, personify: undefined, oidc: undefined }, problems: [], text: "" });
  });

  it("reads preshared keys in order, first one minting, with the lifetime and skew defaults", () => {
    const { config, problems } = read({ SSO_PRESHARED_KEYS: `current:${HEX_A}, previous:${HEX_B}` });
    assert.deepEqual(problems, []);
    assert.deepEqual(config.presharedKey, {
      keys: [
        { id: "current", secret: Buffer.from(HEX_A, "hex") },
        { id: "previous", secret: Buffer.from(HEX_B, "hex") },
      ],
      maxTtlMs: 5 * 60_000,
      clockSkewMs: 30_000,
    });
    const tuned = read({ SSO_PRESHARED_KEYS: `k:${HEX_A}`, SSO_PRESHARED_MAX_TTL: "2m", SSO_CLOCK_SKEW: "5s" });
    assert.equal(tuned.config.presharedKey?.maxTtlMs, 120_000);
    assert.equal(tuned.config.presharedKey?.clockSkewMs, 5_000);
  });

  it("refuses malformed, duplicate and repeated keys, naming the entry but never the key", () => {
    const bad = [
      `short:${HEX_A.slice(0, 62)}`,
      `nothex:${"g".repeat(64)}`,
      HEX_A,
      `bad.id:${HEX_A}`,
      `:${HEX_A}`,
      `${"x".repeat(33)}:${HEX_A}`,
    ];
    for (const entry of bad) {
      const { problems, text } = read({ SSO_PRESHARED_KEYS: entry });
      assert.equal(problems.length, 1, entry);
      assert.match(text, /^SSO_PRESHARED_KEYS entry 1 must be keyId:<64 hex characters>/);
      assert.ok(!text.includes(entry.slice(-20)), "the key is not echoed");
    }
    assert.match(read({ SSO_PRESHARED_KEYS: `k:${HEX_A},k:${HEX_B}` }).text, /entry 2: key id "k" is used more than once/);
    const repeated = read({ SSO_PRESHARED_KEYS: `k1:${HEX_A},k2:${HEX_A.toUpperCase()}` });
    assert.match(repeated.text, /entry 2 repeats the key of an earlier entry/);
    assert.ok(!repeated.text.includes(HEX_A.slice(0, 16)));
  });

  it("bounds the token lifetime and the clock skew", () => {
    assert.match(
      read({ SSO_PRESHARED_KEYS: `k:${HEX_A}`, SSO_PRESHARED_MAX_TTL: "soon" }).text,
      /^SSO_PRESHARED_MAX_TTL must be a duration/,
    );
    assert.match(read({ SSO_PRESHARED_KEYS: `k:${HEX_A}`, SSO_PRESHARED_MAX_TTL: "2d" }).text, /at most 24h/);
    assert.match(read({ SSO_CLOCK_SKEW: "10m" }).text, /SSO_CLOCK_SKEW must be at most 5m/);
  });

  it("reads Personify when every variable is set, normalising origins", () => {
    const { config, problems } = read(PERSONIFY);
    assert.deepEqual(problems, []);
    assert.deepEqual(config.personify, {
      serviceUrl: PERSONIFY.PERSONIFY_SSO_URL,
      loginUrl: PERSONIFY.PERSONIFY_LOGIN_URL,
      vendorId: "AMSGATE",
      vendorUsername: "amsgate",
      vendorPassword: "vendor-password-secret",
      vendorBlock: "vendor-block-secret",
      returnUrlOrigins: ["https://members.example.org", "https://learn.example.org"],
      timeoutMs: 10_000,
    });
  });

  it("names what is missing from a partial Personify configuration", () => {
    const { PERSONIFY_VENDOR_BLOCK: _block, PERSONIFY_RETURN_URL_ORIGINS: _origins, ...partial } = PERSONIFY;
    const { config, text } = read(partial);
    assert.equal(config.personify, undefined);
    assert.match(text, /Personify sign-on is partly configured; also set PERSONIFY_VENDOR_BLOCK, PERSONIFY_RETURN_URL_ORIGINS/);
    assert.ok(!text.includes("vendor-password-secret"));
  });

  it("refuses insecure or malformed Personify URLs and origins without echoing credentials", () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PERSONIFY_SSO_URL: "http://sso.example.org/service.asmx" }, /PERSONIFY_SSO_URL must use https:/],
      [
        { PERSONIFY_SSO_URL: "https://user:hunter2@sso.example.org/service.asmx" },
        /PERSONIFY_SSO_URL must not carry a user name or password/,
      ],
      [{ PERSONIFY_LOGIN_URL: "sso.example.org/login.aspx" }, /PERSONIFY_LOGIN_URL is not a valid URL/],
      [{ PERSONIFY_RETURN_URL_ORIGINS: "https://members.example.org/path" }, /PERSONIFY_RETURN_URL_ORIGINS entry 1 must be an origin/],
      [{ PERSONIFY_RETURN_URL_ORIGINS: "https://ok.example.org,http://members.example.org" }, /entry 2 must use https:/],
      [{ PERSONIFY_RETURN_URL_ORIGINS: "*" }, /entry 1 is not a URL/],
    ];
    for (const [override, expected] of cases) {
      const { text } = read({ ...PERSONIFY, ...override });
      assert.match(text, expected);
      assert.ok(!text.includes("hunter2"));
    }
    assert.deepEqual(
      read({ ...PERSONIFY, PERSONIFY_SSO_URL: "http://127.0.0.1:8080/service.asmx" }).problems,
      [],
      "http to localhost is fine",
    );
  });

  it("reads OIDC with its defaults once issuer and audience are set", () => {
    const { config, problems } = read({ OIDC_ISSUER: "https://id.example.org/realms/members", OIDC_AUDIENCE: "amsgate-web" });
    assert.deepEqual(problems, []);
    assert.deepEqual(config.oidc, {
      issuer: "https://id.example.org/realms/members",
      audience: "amsgate-web",
      jwksUrl: undefined,
      algorithms: ["RS256", "ES256", "PS256"],
      memberKeyClaim: "sub",
      clockToleranceMs: 30_000,
      timeoutMs: 5_000,
    });
    const tuned = read({
      OIDC_ISSUER: "https://id.example.org",
      OIDC_AUDIENCE: "web",
      OIDC_JWKS_URL: "https://id.example.org/keys",
      OIDC_ALGORITHMS: "ES256,EdDSA",
      OIDC_MEMBER_KEY_CLAIM: "ams.memberKey",
    });
    assert.equal(tuned.config.oidc?.jwksUrl, "https://id.example.org/keys");
    assert.deepEqual(tuned.config.oidc?.algorithms, ["ES256", "EdDSA"]);
    assert.equal(tuned.config.oidc?.memberKeyClaim, "ams.memberKey");
  });

  it("refuses partial OIDC settings, symmetric or none algorithms, and odd claim paths", () => {
    assert.match(read({ OIDC_ISSUER: "https://id.example.org" }).text, /OIDC sign-on is partly configured; also set OIDC_AUDIENCE/);
    assert.match(read({ OIDC_AUDIENCE: "web" }).text, /also set OIDC_ISSUER/);
    assert.match(read({ OIDC_JWKS_URL: "https://id.example.org/keys" }).text, /OIDC_JWKS_URL set but OIDC sign-on is off/);
    const base = { OIDC_ISSUER: "https://id.example.org", OIDC_AUDIENCE: "web" };
    for (const alg of ["HS256", "none", "rs256"]) {
      assert.match(
        read({ ...base, OIDC_ALGORITHMS: `RS256,${alg}` }).text,
        new RegExp(`OIDC_ALGORITHMS may list only .* \\(got "${alg}"\\)`),
      );
    }
    for (const claim of ["a..b", "a b", "__proto__.x y"]) {
      assert.match(read({ ...base, OIDC_MEMBER_KEY_CLAIM: claim }).text, /OIDC_MEMBER_KEY_CLAIM must be a claim name/);
    }
    assert.match(read({ ...base, OIDC_ISSUER: "http://id.example.org" }).text, /OIDC_ISSUER must use https:/);
  });
});

describe("loadConfig with sign-on", () => {
  it("carries the methods as config.sso and masks their secrets", () => {
    const config = loadConfig({
      NODE_ENV: "test",
      SSO_PRESHARED_KEYS: `k1:${HEX_A}`,
      ...PERSONIFY,
      OIDC_ISSUER: "https://id.example.org",
      OIDC_AUDIENCE: "web",
    });
    assert.equal(config.sso.presharedKey?.keys[0]?.id, "k1");
    assert.equal(config.sso.personify?.vendorId, "AMSGATE");
    assert.equal(config.sso.oidc?.audience, "web");
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of [HEX_A, "vendor-password-secret", "vendor-block-secret"]) assert.ok(!shown.includes(secret), secret);
    const bufferBytes = JSON.stringify(Buffer.from(HEX_A, "hex").toJSON().data);
    assert.ok(!shown.includes(bufferBytes.slice(1, 40)), "no key bytes either");
    assert.match(shown, /"keys":\[\{"id":"k1","secret":"\*\*\*"\}\]/);
  });

  it("reports sign-on problems together with the rest", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "test", PORT: "eighty", SSO_PRESHARED_KEYS: "k1:nothex" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.problems.some((problem) => problem.startsWith("PORT")));
        assert.ok(error.problems.some((problem) => problem.startsWith("SSO_PRESHARED_KEYS entry 1")));
        assert.doesNotMatch(error.message, /nothex/);
        return true;
      },
    );
  });
});
