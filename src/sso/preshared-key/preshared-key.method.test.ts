import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { PresharedKey, PresharedKeySsoConfig } from "../../config/sso.config";
import { createLogger } from "../../observability/logger";
import { ManualClock } from "../../time/clock";
import { SsoMethod } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { PresharedKeyMethod } from "./preshared-key.method";
import { mintPresharedKeyToken } from "./preshared-key.mint";
import { InMemoryReplayGuard, type ReplayGuard } from "../replay/replay.guard";

const START = "2026-03-01T12:00:00.000Z";
const CURRENT: PresharedKey = { id: "site-2026", secret: randomBytes(32) };
const PREVIOUS: PresharedKey = { id: "site-2025", secret: randomBytes(32) };
const STRANGER: PresharedKey = { id: "other", secret: randomBytes(32) };
const REQUEST = { clientAddress: "203.0.113.7" };
const SKEW_MS = 30_000;

function setup(options: { replayGuard?: ReplayGuard; maxTtlMs?: number } = {}) {
  const clock = new ManualClock(START);
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  const config: PresharedKeySsoConfig = { keys: [CURRENT, PREVIOUS], maxTtlMs: options.maxTtlMs ?? 5 * 60_000, clockSkewMs: SKEW_MS };
  const replayGuard = options.replayGuard ?? new InMemoryReplayGuard(clock);
  const method = new PresharedKeyMethod(config, { clock, replayGuard, logger });
  const mint = (memberKey = "M-1001", ttlSeconds = 60, key = CURRENT) => mintPresharedKeyToken(key, memberKey, { clock, ttlSeconds });
  const resolve = (token: string | null | undefined) => method.resolve({ method: SsoMethod.PRESHARED_KEY, token }, REQUEST);
  return { clock, lines, method, mint, resolve };
}

/** Asserts a refusal with this code; returns the error for further checks. */
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

/** Seals arbitrary plaintext under an arbitrary header, to build tokens the minting API refuses to. */
function sealRaw(key: PresharedKey, header: string, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.secret, nonce);
  cipher.setAAD(Buffer.from(header, "ascii"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [header, nonce.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

function claimsJson(nowSeconds: number, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ sub: "M-1001", iat: nowSeconds, exp: nowSeconds + 60, jti: randomBytes(16).toString("base64url"), ...overrides });
}

const nowSeconds = Date.parse(START) / 1000;

describe("PresharedKeyMethod", () => {
  it("turns a fresh token into its member key", async () => {
    const { mint, resolve } = setup();
    assert.deepEqual(await resolve(mint("M-1001")), { memberKey: "M-1001" });
    assert.match(mint(), /^v1\.site-2026\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  });

  it("still accepts tokens sealed with an older key during rotation", async () => {
    const { mint, resolve } = setup();
    assert.deepEqual(await resolve(mint("M-2002", 60, PREVIOUS)), { memberKey: "M-2002" });
  });

  it("asks for a token when none is given", async () => {
    const { resolve } = setup();
    await refused(resolve(undefined), SsoErrorCode.BAD_REQUEST);
    await refused(resolve("   "), SsoErrorCode.BAD_REQUEST);
  });

  it("refuses an expired token, allowing the configured clock skew", async () => {
    const { clock, mint, resolve } = setup();
    const lateButWithinSkew = mint("M-1", 60);
    const tooLate = mint("M-2", 60);
    clock.advance(60_000 + SKEW_MS - 1_000);
    assert.deepEqual(await resolve(lateButWithinSkew), { memberKey: "M-1" });
    clock.advance(1_000);
    await refused(resolve(tooLate), SsoErrorCode.EXPIRED_TOKEN);
  });

  it("refuses a token issued further in the future than the clock skew", async () => {
    const { clock, mint, resolve } = setup();
    clock.advance(SKEW_MS + 1_000);
    const fromTheFuture = mint();
    clock.advance(-(SKEW_MS + 1_000));
    await refused(resolve(fromTheFuture), SsoErrorCode.INVALID_TOKEN);
    clock.advance(SKEW_MS - 1_000);
    const slightlyAhead = mint("M-3", 60);
    clock.set(START);
    assert.deepEqual(await resolve(slightlyAhead), { memberKey: "M-3" }, "a website clock slightly ahead is tolerated");
  });

  it("refuses a token that claims a longer life than the configured maximum", async () => {
    const { mint, resolve } = setup({ maxTtlMs: 5 * 60_000 });
    await refused(resolve(mint("M-1", 5 * 60 + 1)), SsoErrorCode.INVALID_TOKEN);
    assert.deepEqual(await resolve(mint("M-1", 5 * 60)), { memberKey: "M-1" });
  });

  it("refuses a token presented a second time, even from elsewhere", async () => {
    const { mint, method } = setup();
    const token = mint();
    await method.resolve({ method: SsoMethod.PRESHARED_KEY, token }, REQUEST);
    const error = await refused(
      method.resolve({ method: SsoMethod.PRESHARED_KEY, token }, { clientAddress: "198.51.100.1" }),
      SsoErrorCode.REPLAYED_TOKEN,
    );
    assert.doesNotMatch(error.message, new RegExp(token.split(".")[2]!));
  });

  it("refuses a token with any single character changed", async () => {
    const { mint, resolve } = setup();
    const token = mint();
    for (let index = 0; index < token.length; index += 1) {
      const original = token[index]!;
      // Includes sibling characters that decode to the same bytes and would slip past a lax decoder.
      for (const replacement of new Set([original === "A" ? "B" : "A", nextChar(original), "."])) {
        if (replacement === original) continue;
        const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
        await refused(resolve(tampered), SsoErrorCode.INVALID_TOKEN);
      }
    }
  });

  it("refuses every truncation and extension of a token", async () => {
    const { mint, resolve } = setup();
    const token = mint();
    for (let length = 0; length < token.length; length += 1) {
      const truncated = token.slice(0, length);
      await refused(resolve(truncated), length === 0 ? SsoErrorCode.BAD_REQUEST : SsoErrorCode.INVALID_TOKEN);
    }
    await refused(resolve(`${token}A`), SsoErrorCode.INVALID_TOKEN);
    await refused(resolve(`${token}.A`), SsoErrorCode.INVALID_TOKEN);
    await refused(resolve(`${token}${"A".repeat(5000)}`), SsoErrorCode.INVALID_TOKEN);
  });

  it("refuses a token sealed with a key it does not hold", async () => {
    const { clock, resolve } = setup();
    await refused(resolve(mintPresharedKeyToken(STRANGER, "M-1", { clock, ttlSeconds: 60 })), SsoErrorCode.INVALID_TOKEN);
    // A known key id on a token sealed with another secret.
    const impostor = mintPresharedKeyToken({ id: CURRENT.id, secret: STRANGER.secret }, "M-1", { clock, ttlSeconds: 60 });
    await refused(resolve(impostor), SsoErrorCode.INVALID_TOKEN);
  });

  it("binds the key id: a token relabelled with another known key id is refused", async () => {
    const { clock, resolve } = setup();
    // Same secret under two ids: only the AAD tells them apart.
    const sealedAsOther = mintPresharedKeyToken({ id: "elsewhere", secret: CURRENT.secret }, "M-1", { clock, ttlSeconds: 60 });
    await refused(resolve(sealedAsOther.replace("elsewhere", CURRENT.id)), SsoErrorCode.INVALID_TOKEN);
  });

  it("refuses other versions, however well they are sealed", async () => {
    const { mint, resolve } = setup();
    await refused(resolve(sealRaw(CURRENT, `v2.${CURRENT.id}`, claimsJson(nowSeconds))), SsoErrorCode.INVALID_TOKEN);
    await refused(resolve(mint().replace(/^v1/, "v2")), SsoErrorCode.INVALID_TOKEN);
    await refused(resolve(mint().replace(/^v1/, "V1")), SsoErrorCode.INVALID_TOKEN);
    assert.deepEqual(await resolve(sealRaw(CURRENT, `v1.${CURRENT.id}`, claimsJson(nowSeconds))), { memberKey: "M-1001" });
  });

  it("refuses authentic tokens whose claims are not exactly the documented ones", async () => {
    const { resolve } = setup();
    const header = `v1.${CURRENT.id}`;
    const bad = [
      "not json",
      "[]",
      JSON.stringify({ sub: "M-1", iat: nowSeconds, exp: nowSeconds + 60 }),
      claimsJson(nowSeconds, { extra: true }),
      claimsJson(nowSeconds, { sub: 1001 }),
      claimsJson(nowSeconds, { sub: "" }),
      claimsJson(nowSeconds, { sub: "M-1\n" }),
      claimsJson(nowSeconds, { iat: nowSeconds + 0.5 }),
      claimsJson(nowSeconds, { exp: nowSeconds }),
      claimsJson(nowSeconds, { exp: String(nowSeconds + 60) }),
      claimsJson(nowSeconds, { jti: "short" }),
    ];
    for (const plaintext of bad) await refused(resolve(sealRaw(CURRENT, header, plaintext)), SsoErrorCode.INVALID_TOKEN);
  });

  it("says only the code: one message for every invalid token, no token material, none in the logs", async () => {
    const { clock, mint, resolve, lines } = setup();
    const token = mint();
    const attempts = [
      token.slice(0, -3),
      token.replace(/^v1/, "v2"),
      mintPresharedKeyToken(STRANGER, "M-1", { clock, ttlSeconds: 60 }),
      mint("M-1", 3600),
    ];
    const messages = new Set<string>();
    for (const attempt of attempts) {
      const error = await refused(resolve(attempt), SsoErrorCode.INVALID_TOKEN);
      messages.add(error.message);
      for (const field of attempt.split(".").slice(2)) if (field.length > 3) assert.ok(!error.message.includes(field));
    }
    assert.equal(messages.size, 1, [...messages].join(" | "));
    assert.equal(lines.length, attempts.length, "each refusal is logged once");
    const logged = lines.join("\n");
    for (const secret of [token, token.split(".")[3]!, CURRENT.secret.toString("hex"), STRANGER.secret.toString("hex")]) {
      assert.ok(!logged.includes(secret), "no token or key material in logs");
    }
    assert.match(logged, /"reason":"unknown version"/);
    assert.match(logged, /"clientAddress":"203\.0\.113\.7"/);
  });

  it("refuses, rather than risk a replay, when the replay guard cannot answer", async () => {
    const failing: ReplayGuard = { claim: () => Promise.reject(new Error("database is down")) };
    const { mint, resolve } = setup({ replayGuard: failing });
    await refused(resolve(mint()), SsoErrorCode.PROVIDER_UNAVAILABLE);
  });

  it("asks the replay guard to remember a token until it would expire anyway", async () => {
    const claims: Array<{ tokenId: string; expiresAt: Date }> = [];
    const recording: ReplayGuard = {
      claim: async (tokenId, expiresAt) => {
        claims.push({ tokenId, expiresAt });
        return true;
      },
    };
    const { clock, resolve } = setup({ replayGuard: recording });
    await resolve(mintPresharedKeyToken(CURRENT, "M-1", { clock, ttlSeconds: 90, tokenId: "fixed-token-id-0001" }));
    assert.deepEqual(claims, [{ tokenId: "fixed-token-id-0001", expiresAt: new Date(Date.parse(START) + 90_000 + SKEW_MS) }]);
  });
});

function nextChar(character: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const index = alphabet.indexOf(character);
  return index < 0 ? "A" : alphabet[(index + 1) % alphabet.length]!;
}
