import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { base64url, exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from "jose";
import { FakeOidcProvider } from "../../../test/support/fake-oidc";
import type { OidcSsoConfig } from "../../config/sso.config";
import { createLogger } from "../../observability/logger";
import { ManualClock } from "../../time/clock";
import { InMemoryReplayGuard, type ReplayGuard } from "../replay/replay.guard";
import { SsoMethod } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { OidcMethod } from "./oidc.method";

const CLIENT_ID = "amsgate-web";
const NONCE = "n-0S6_WzA2Mj";
const REQUEST = { clientAddress: "198.51.100.4" };
const START = "2026-03-01T12:00:00.000Z";

async function refused(attempt: Promise<unknown>, code: SsoErrorCode): Promise<SsoError> {
  try {
    await attempt;
  } catch (error) {
    assert.ok(error instanceof SsoError, `expected SsoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a ${code} refusal, but the token was accepted`);
}

describe("OidcMethod", () => {
  let provider: FakeOidcProvider;
  let clock: ManualClock;
  let lines: string[];
  let tokenCount = 0;
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  // Each token its own jti, so tests that sign on repeatedly are not replays; replay tests say so.
  const claims = (overrides: JWTPayload = {}): JWTPayload => ({
    iss: provider.issuer,
    aud: CLIENT_ID,
    sub: "M-5150",
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    nonce: NONCE,
    jti: `id-${(tokenCount += 1)}`,
    ...overrides,
  });
  const build = (overrides: Partial<OidcSsoConfig> = {}, replayGuard: ReplayGuard = new InMemoryReplayGuard(clock)) =>
    new OidcMethod(
      {
        issuer: provider.issuer,
        audience: CLIENT_ID,
        jwksUrl: provider.jwksUrl,
        algorithms: ["RS256", "ES256", "PS256"],
        memberKeyClaim: "sub",
        clockToleranceMs: 30_000,
        timeoutMs: 2_000,
        ...overrides,
      },
      { clock, replayGuard, logger: createLogger("info", { write: (line: string) => void lines.push(line) }), jwks: { cooldownMs: 0 } },
    );
  const exchange = (method: OidcMethod, token: string, nonce: string | null = NONCE) =>
    method.resolve({ method: SsoMethod.OIDC, token, nonce }, REQUEST);

  before(async () => {
    provider = await FakeOidcProvider.start({ issuerPath: "/realms/members" });
  });
  after(() => provider.close());
  beforeEach(() => {
    clock = new ManualClock(START);
    lines = [];
    provider.requests.length = 0;
    provider.discoveryOverrides = {};
  });

  for (const alg of ["RS256", "ES256", "PS256"] as const) {
    it(`accepts an ${alg} ID token and returns its subject`, async () => {
      assert.deepEqual(await exchange(build(), await provider.sign(claims(), { alg })), { memberKey: "M-5150" });
    });
  }

  it("discovers the JWKS from the issuer when no JWKS URL is configured", async () => {
    const method = build({ jwksUrl: undefined });
    assert.deepEqual(await exchange(method, await provider.sign(claims())), { memberKey: "M-5150" });
    assert.deepEqual(provider.requests, ["/realms/members/.well-known/openid-configuration", "/realms/members/jwks"]);
  });

  it("caches the keys: many sign-ons, one JWKS fetch", async () => {
    const method = build();
    for (let index = 0; index < 5; index += 1) await exchange(method, await provider.sign(claims()));
    assert.deepEqual(provider.requests, ["/realms/members/jwks"]);
  });

  it("follows a key rotation: an unknown key id refetches the JWKS", async () => {
    const method = build();
    await exchange(method, await provider.sign(claims()));
    await provider.rotate("RS256");
    assert.deepEqual(await exchange(method, await provider.sign(claims({ sub: "M-2" }))), { memberKey: "M-2" });
    assert.equal(provider.requests.filter((path) => path.endsWith("/jwks")).length, 2);
  });

  it("reads the member key from a nested claim, and refuses when it is missing", async () => {
    const method = build({ memberKeyClaim: "ams.memberKey" });
    assert.deepEqual(await exchange(method, await provider.sign(claims({ ams: { memberKey: 9001 } }))), { memberKey: "9001" });
    await refused(exchange(method, await provider.sign(claims())), SsoErrorCode.MEMBER_NOT_FOUND);
    await refused(exchange(method, await provider.sign(claims({ ams: { memberKey: "" } }))), SsoErrorCode.MEMBER_NOT_FOUND);
    await refused(
      exchange(build({ memberKeyClaim: "ams.constructor" }), await provider.sign(claims({ ams: {} }))),
      SsoErrorCode.MEMBER_NOT_FOUND,
    );
  });

  it("requires the nonce the app sent, and refuses a token without the same one", async () => {
    const method = build();
    const token = await provider.sign(claims());
    await refused(exchange(method, token, null), SsoErrorCode.BAD_REQUEST);
    await refused(exchange(method, token, "another-nonce"), SsoErrorCode.INVALID_TOKEN);
    await refused(exchange(method, await provider.sign(claims({ nonce: undefined }))), SsoErrorCode.INVALID_TOKEN);
    await refused(method.resolve({ method: SsoMethod.OIDC, nonce: NONCE }, REQUEST), SsoErrorCode.BAD_REQUEST);
  });

  it("refuses an expired token, with the configured tolerance", async () => {
    const method = build();
    const token = await provider.sign(claims({ exp: nowSeconds() + 60 }));
    clock.advance(60_000 + 29_000);
    assert.deepEqual(await exchange(method, token), { memberKey: "M-5150" });
    clock.advance(2_000);
    await refused(exchange(method, token), SsoErrorCode.EXPIRED_TOKEN);
  });

  it("refuses a token that is not yet valid beyond the tolerance", async () => {
    const method = build();
    await refused(exchange(method, await provider.sign(claims({ nbf: nowSeconds() + 120 }))), SsoErrorCode.INVALID_TOKEN);
    assert.deepEqual(await exchange(method, await provider.sign(claims({ nbf: nowSeconds() + 20 }))), { memberKey: "M-5150" });
  });

  it("refuses another issuer, another audience, or several audiences without azp", async () => {
    const method = build();
    await refused(exchange(method, await provider.sign(claims({ iss: "https://evil.example.net" }))), SsoErrorCode.INVALID_TOKEN);
    await refused(exchange(method, await provider.sign(claims({ aud: "someone-else" }))), SsoErrorCode.INVALID_TOKEN);
    await refused(exchange(method, await provider.sign(claims({ aud: [CLIENT_ID, "other"] }))), SsoErrorCode.INVALID_TOKEN);
    assert.deepEqual(await exchange(method, await provider.sign(claims({ aud: [CLIENT_ID, "other"], azp: CLIENT_ID }))), {
      memberKey: "M-5150",
    });
    await refused(exchange(method, await provider.sign(claims({ exp: undefined }))), SsoErrorCode.INVALID_TOKEN);
  });

  it("refuses an algorithm outside the allow-list", async () => {
    await refused(exchange(build({ algorithms: ["ES256"] }), await provider.sign(claims(), { alg: "RS256" })), SsoErrorCode.INVALID_TOKEN);
  });

  it("refuses alg none", async () => {
    const unsigned = new UnsecuredJWT(claims()).encode();
    await refused(exchange(build(), unsigned), SsoErrorCode.INVALID_TOKEN);
    assert.deepEqual(provider.requests, [], "no key was even looked up");
  });

  it("refuses algorithm switching: an HS256 token keyed with the provider's public key", async () => {
    const secret = new TextEncoder().encode(await provider.publicKeyPem("RS256"));
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: provider.currentKid("RS256"), typ: "JWT" })
      .sign(secret);
    await refused(exchange(build(), forged), SsoErrorCode.INVALID_TOKEN);
    assert.match(lines.join(""), /ERR_JOSE_ALG_NOT_ALLOWED/);
    // Defence in depth: even an allow-list that let HS256 through finds no HMAC key in an RSA JWKS.
    const careless = build({ algorithms: ["HS256" as OidcSsoConfig["algorithms"][number], "RS256"] });
    await refused(exchange(careless, forged), SsoErrorCode.INVALID_TOKEN);
  });

  it("refuses a token signed with a key the provider never published, even one embedded in its header", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const embedded = await exportJWK(publicKey);
    const method = build();
    await refused(exchange(method, await provider.sign(claims(), { privateKey, header: { jwk: embedded } })), SsoErrorCode.INVALID_TOKEN);
    await refused(exchange(method, await provider.sign(claims(), { privateKey, kid: "unknown-kid" })), SsoErrorCode.INVALID_TOKEN);
  });

  it("refuses tampered and malformed tokens", async () => {
    const method = build();
    const token = await provider.sign(claims());
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const raised = base64url.encode(JSON.stringify({ ...claims(), sub: "ADMIN" }));
    for (const bad of [
      `${header}.${raised}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      "not.a.jwt",
      "x".repeat(17_000),
    ]) {
      await refused(exchange(method, bad), SsoErrorCode.INVALID_TOKEN);
    }
    const messages = lines.join("\n");
    assert.ok(!messages.includes(signature), "no token material in the logs");
  });

  it("reports PROVIDER_UNAVAILABLE when the JWKS fails, hangs or cannot be parsed", async () => {
    for (const mishap of [
      { kind: "status", status: 503 },
      { kind: "body", body: "not json" },
      { kind: "body", body: '{"keys":"none"}' },
    ] as const) {
      provider.failNext("jwks", mishap);
      await refused(exchange(build(), await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
    }
    provider.failNext("jwks", { kind: "hang" });
    await refused(exchange(build({ timeoutMs: 150 }), await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
  });

  it("reports PROVIDER_UNAVAILABLE when discovery fails, and tries again next time", async () => {
    const method = build({ jwksUrl: undefined, timeoutMs: 150 });
    provider.failNext("discovery", { kind: "status", status: 500 });
    await refused(exchange(method, await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
    provider.failNext("discovery", { kind: "hang" });
    await refused(exchange(method, await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
    assert.deepEqual(await exchange(method, await provider.sign(claims())), { memberKey: "M-5150" });
  });

  it("refuses a discovery document that names another issuer or no usable jwks_uri", async () => {
    provider.discoveryOverrides = { issuer: "https://evil.example.net" };
    await refused(exchange(build({ jwksUrl: undefined }), await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
    for (const jwksUri of [undefined, "ftp://127.0.0.1/jwks", "not a url"]) {
      provider.discoveryOverrides = { jwks_uri: jwksUri };
      await refused(exchange(build({ jwksUrl: undefined }), await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
    }
    assert.ok(!provider.requests.some((path) => path.endsWith("/jwks")), "keys are not fetched from an unverified document");
  });

  describe("single use", () => {
    it("accepts an ID token once, in every gateway process sharing the guard", async () => {
      const shared = new InMemoryReplayGuard(clock);
      const token = await provider.sign(claims({ jti: "one-time" }));
      assert.deepEqual(await exchange(build({}, shared), token), { memberKey: "M-5150" });
      const replayed = await refused(exchange(build({}, shared), token), SsoErrorCode.REPLAYED_TOKEN);
      assert.equal(replayed.message, "The ID token has already been used; sign in again.");
      assert.match(lines.join(""), /token already used/);
      assert.deepEqual(await exchange(build({}, shared), await provider.sign(claims({ jti: "another" }))), { memberKey: "M-5150" });
    });

    it("without a jti, the same issuer, subject, iat and nonce are the same token", async () => {
      const method = build();
      const plain = claims({ jti: undefined });
      assert.deepEqual(await exchange(method, await provider.sign(plain)), { memberKey: "M-5150" });
      await refused(exchange(method, await provider.sign(plain)), SsoErrorCode.REPLAYED_TOKEN);
      for (const changed of [{ iat: plain.iat! + 1 }, { sub: "M-2" }]) {
        assert.ok(await exchange(method, await provider.sign({ ...plain, ...changed })), JSON.stringify(changed));
      }
      const otherNonce = { ...plain, nonce: "n-other" };
      assert.ok(await exchange(method, await provider.sign(otherNonce), "n-other"));
    });

    it("remembers a token until it would be refused as expired anyway", async () => {
      const claimed: Array<{ tokenId: string; expiresAt: Date }> = [];
      const recording: ReplayGuard = {
        claim: async (tokenId, expiresAt) => {
          claimed.push({ tokenId, expiresAt });
          return true;
        },
      };
      await exchange(build({}, recording), await provider.sign(claims({ exp: nowSeconds() + 120 })));
      assert.equal(claimed.length, 1);
      assert.equal(claimed[0]!.expiresAt.getTime(), (nowSeconds() + 120 + 30) * 1000, "exp plus the 30s tolerance");
      assert.match(claimed[0]!.tokenId, /^[0-9a-f]{64}$/, "a fixed-length digest, no claim values");
    });

    it("spends only tokens that pass every check", async () => {
      const method = build();
      const token = await provider.sign(claims());
      await refused(exchange(method, token, "another-nonce"), SsoErrorCode.INVALID_TOKEN);
      assert.deepEqual(await exchange(method, token), { memberKey: "M-5150" });
    });

    it("refuses, rather than risk a replay, when the guard cannot answer", async () => {
      const broken: ReplayGuard = { claim: async () => Promise.reject(new Error("database down")) };
      await refused(exchange(build({}, broken), await provider.sign(claims())), SsoErrorCode.PROVIDER_UNAVAILABLE);
    });
  });
});
