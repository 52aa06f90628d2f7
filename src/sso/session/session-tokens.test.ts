import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SignJWT } from "jose";
import type { SessionConfig } from "../../config/session.config";
import { Role } from "../../auth/viewer";
import { ManualClock } from "../../time/clock";
import { SessionTokens } from "./session-tokens";

const key = (id: string, fill: string) => ({ id, secret: Buffer.from(fill.repeat(32), "hex") });
const config = (keys: SessionConfig["keys"]): SessionConfig => ({
  keys,
  generatedKey: false,
  ttlMs: 15 * 60_000,
  maxAgeMs: 60 * 60_000,
  credentialsEnabled: false,
  webServiceEnabled: false,
  loginRefreshWaitMs: 1_000,
  maxFailuresPerUsername: 5,
  maxAttemptsPerClient: 30,
  rateWindowMs: 60_000,
});

describe("SessionTokens", () => {
  const clock = new ManualClock("2026-11-23T12:00:00Z");

  it("issues a token that verifies to the member and roles, until it expires", async () => {
    const tokens = new SessionTokens(config([key("k1", "aa")]), clock);
    const issued = await tokens.issue("M1", [Role.AUTHENTICATED, Role.MEMBER]);
    assert.equal(issued.expiresAt.toISOString(), "2026-11-23T12:15:00.000Z");
    const viewer = await tokens.verify(issued.accessToken);
    assert.deepEqual(
      [viewer?.kind, viewer?.memberKey, [...viewer!.roles].sort()],
      ["session", "M1", ["AUTHENTICATED", "MEMBER", "PUBLIC"]],
    );
    clock.advance(15 * 60_000);
    assert.equal(await tokens.verify(issued.accessToken), undefined);
    clock.set("2026-11-23T12:00:00Z");
  });

  it("rotates: tokens signed with an older key still verify while it is listed, and not after", async () => {
    const old = await new SessionTokens(config([key("k1", "aa")]), clock).issue("M1", [Role.AUTHENTICATED]);
    const rotated = new SessionTokens(config([key("k2", "bb"), key("k1", "aa")]), clock);
    assert.equal((await rotated.verify(old.accessToken))?.memberKey, "M1");
    const fresh = await rotated.issue("M1", [Role.AUTHENTICATED]);
    assert.equal(JSON.parse(Buffer.from(fresh.accessToken.split(".")[0]!, "base64url").toString()).kid, "k2");
    const retired = new SessionTokens(config([key("k2", "bb")]), clock);
    assert.equal(await retired.verify(old.accessToken), undefined);
  });

  it("refuses tampered, foreign-key, unsigned and other-algorithm tokens, and unknown roles", async () => {
    const tokens = new SessionTokens(config([key("k1", "aa")]), clock);
    const { accessToken } = await tokens.issue("M1", [Role.MEMBER]);
    const [header, payload, signature] = accessToken.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const swap = (body: object) => `${header}.${Buffer.from(JSON.stringify(body)).toString("base64url")}.${signature}`;
    assert.equal(await tokens.verify(swap({ ...claims, roles: ["ADMIN"] })), undefined);
    const foreign = await new SessionTokens(config([key("k1", "cc")]), clock).issue("M1", [Role.ADMIN]);
    assert.equal(await tokens.verify(foreign.accessToken), undefined);
    const none = `${Buffer.from(JSON.stringify({ alg: "none", kid: "k1" })).toString("base64url")}.${payload}.`;
    assert.equal(await tokens.verify(none), undefined);
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512", kid: "k1" }).sign(Buffer.from("aa".repeat(32), "hex"));
    assert.equal(await tokens.verify(hs512), undefined);
    const odd = await new SignJWT({ ...claims, roles: ["ADMIN", "OWNER"] })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .sign(Buffer.from("aa".repeat(32), "hex"));
    assert.deepEqual([...(await tokens.verify(odd))!.roles].sort(), ["ADMIN", "PUBLIC"], "unknown roles are dropped");
  });

  it("never lets renewals stretch a session past its maximum age", async () => {
    const tokens = new SessionTokens(config([key("k1", "aa")]), clock);
    const signedOn = clock.now();
    clock.advance(55 * 60_000);
    const renewed = await tokens.issue("M1", [Role.MEMBER], signedOn);
    assert.equal(renewed.expiresAt.toISOString(), "2026-11-23T13:00:00.000Z", "capped at sign-on + max age");
    clock.advance(6 * 60_000);
    assert.equal(await tokens.verify(renewed.accessToken), undefined);
    clock.set("2026-11-23T12:00:00Z");
  });
});
