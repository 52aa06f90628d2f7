import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../src/observability/logger";
import { mintPresharedKeyToken } from "../src/sso/preshared-key/preshared-key.mint";
import { ManualClock } from "../src/time/clock";
import { FakeOidcProvider } from "./support/fake-oidc";
import { FakePersonify } from "./support/fake-personify";
import { gql, gqlData, wsClient, wsExecute } from "./support/graphql-client";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { ManualTimers } from "./support/manual-timers";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const PSK_HEX = "a1".repeat(32);
const OTHER_HEX = "b2".repeat(32);
const EXCHANGE = `mutation($input: ExchangeSsoTokenInput!) {
  exchangeSsoToken(input: $input) { accessToken expiresAt member { key email securityGroups { group { key } } } }
}`;

describe("exchangeSsoToken with every method, against real peers on port 0", () => {
  const clock = new ManualClock("2026-11-23T12:00:00.000Z");
  const timers = new ManualTimers(clock);
  const ams = new InMemoryAms();
  const logLines: string[] = [];
  let fakeAms: FakeAms;
  let personify: FakePersonify;
  let oidc: FakeOidcProvider;
  let harness: TestApp;
  /** The gateway's environment; a second gateway process on the same database reuses it. */
  let env: Record<string, string>;

  const exchange = (input: Record<string, unknown>) => gql(harness.url, EXCHANGE, { input });
  const refusal = async (input: Record<string, unknown>) => {
    const answer = await exchange(input);
    assert.equal(answer.data, null, JSON.stringify(answer));
    const error = answer.errors![0]!;
    for (const secret of [input.token, input.password].filter((value): value is string => typeof value === "string" && value.length > 3)) {
      assert.ok(!error.message.includes(secret), "no token material or password in the message");
    }
    return { code: error.extensions?.code, reason: (error.extensions as { reason?: string } | undefined)?.reason, message: error.message };
  };

  before(async () => {
    const admins = [{ GroupKey: "ADMINS", GroupName: "Admins", GroupType: "Security" }];
    ams.setMember(
      "K1",
      memberInfo(
        "K1",
        { EmailAddress: "k1@example.org", MemberType: "Regular", MemberExpiresOn: "2027-12-31", MemberSince: "2020-01-01" },
        { SecurityGroups: admins },
      ),
      "2026-11-01T00:00:00Z",
    );
    ams.setMember("K3", memberInfo("K3", { IsActive: false }), "2026-11-01T00:00:00Z");
    ams.addLogin("k1@example.org", "correct horse battery staple", "K1");
    ams.addSsoToken("ws-token-1", "K1");
    fakeAms = await startFakeAms(ams);
    personify = await FakePersonify.start();
    oidc = await FakeOidcProvider.start();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    env = {
      AMS_SOURCE: "rest",
      AMS_URL: fakeAms.url,
      AMS_API_KEY: fakeAms.apiKey,
      AMS_RETRY_BASE: "0",
      SYNC_ENABLED: "true",
      REFRESH_INTERVAL: "1h",
      SYNC_ADMIN_GROUPS: "Admins",
      SSO_PRESHARED_KEYS: `site:${PSK_HEX}`,
      PERSONIFY_SSO_URL: personify.url,
      PERSONIFY_LOGIN_URL: "https://sso.example.org/SSO/login.aspx",
      PERSONIFY_VENDOR_ID: "AMSGATE",
      PERSONIFY_VENDOR_USERNAME: personify.vendorUsername,
      PERSONIFY_VENDOR_PASSWORD: personify.vendorPassword,
      PERSONIFY_VENDOR_BLOCK: personify.vendorBlock,
      PERSONIFY_RETURN_URL_ORIGINS: "https://members.example.org",
      OIDC_ISSUER: oidc.issuer,
      OIDC_AUDIENCE: "amsgate-app",
      SSO_CREDENTIALS_ENABLED: "true",
      SSO_WEB_SERVICE_ENABLED: "true",
      SSO_MAX_FAILURES_PER_USERNAME: "3",
      SESSION_TTL: "10m",
    };
    harness = await startTestApp({
      env,
      overrides: { clock, sessionTimers: timers, logger: createLogger("info", sink) },
    });
    // The first poll (at start) loads what the AMS has.
    const firstPoll = await gqlData<any>(
      harness.url,
      `mutation { refreshMember(key: "K1", wait: true) { run { status } member { key } } }`,
      {},
      ADMIN_KEY,
    );
    assert.equal(firstPoll.refreshMember.member.key, "K1");
  });

  after(async () => {
    await harness.stop();
    await Promise.all([fakeAms.close(), personify.close(), oidc.close()]);
  });

  const key = { id: "site", secret: Buffer.from(PSK_HEX, "hex") };
  const psk = (memberKey: string, ttlSeconds = 120) => mintPresharedKeyToken(key, memberKey, { clock, ttlSeconds });

  describe("PRESHARED_KEY", () => {
    it("signs a known member on, with contact fields and security groups in the answer", async () => {
      const answer = await exchange({ method: "PRESHARED_KEY", token: psk("K1") });
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      const session = answer.data!.exchangeSsoToken;
      assert.equal(session.member.key, "K1");
      assert.equal(session.member.email, "k1@example.org");
      assert.ok(session.member.securityGroups.some((membership: any) => membership.group.key === "Admin"));
      assert.equal(new Date(session.expiresAt).getTime(), clock.now().getTime() + 10 * 60_000);
      const me = await gqlData<any>(harness.url, `{ me { kind roles member { key email } } }`, {}, session.accessToken);
      assert.deepEqual(me.me.member, { key: "K1", email: "k1@example.org" });
      assert.ok(me.me.roles.includes("ADMIN") && me.me.roles.includes("MEMBER"));
    });

    it("refuses expired, tampered, truncated, unknown-key and replayed tokens", async () => {
      const expired = psk("K1", 60);
      clock.advance(2 * 60_000);
      assert.deepEqual(await refusal({ method: "PRESHARED_KEY", token: expired }), {
        code: "UNAUTHENTICATED",
        reason: "EXPIRED_TOKEN",
        message: "The sign-on token has expired; sign in again.",
      });
      const good = psk("K1");
      const parts = good.split(".");
      const tampered = [...parts.slice(0, 3), `${parts[3]!.slice(0, -1)}${parts[3]!.endsWith("A") ? "B" : "A"}`, parts[4]].join(".");
      const unknownKey = mintPresharedKeyToken({ id: "other", secret: Buffer.from(OTHER_HEX, "hex") }, "K1", { clock, ttlSeconds: 60 });
      for (const token of [tampered, good.slice(0, good.length - 5), unknownKey, "v1.site.not-base64!.x.y"]) {
        const refused = await refusal({ method: "PRESHARED_KEY", token });
        assert.deepEqual(
          [refused.code, refused.reason, refused.message],
          ["UNAUTHENTICATED", "INVALID_TOKEN", "The sign-on token is not valid."],
        );
      }
      assert.equal((await exchange({ method: "PRESHARED_KEY", token: good })).errors, undefined);
      assert.equal((await refusal({ method: "PRESHARED_KEY", token: good })).reason, "REPLAYED_TOKEN");
    });

    it("judges rosters nested in the answer for the caller, who is not signed in yet", async () => {
      const query = `mutation($input: ExchangeSsoTokenInput!) {
        exchangeSsoToken(input: $input) { member { key securityGroups { group { key members { totalCount } } } } }
      }`;
      const answer = await gql(harness.url, query, { input: { method: "PRESHARED_KEY", token: psk("K1") } });
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      const groups = answer.data!.exchangeSsoToken.member.securityGroups;
      assert.ok(
        groups.some((membership: any) => membership.group.key === "Authenticated"),
        "the member's own groups are there",
      );
      assert.deepEqual(
        groups.map((membership: any) => membership.group.members.totalCount),
        groups.map(() => 0),
      );
    });

    it("refreshes an unknown member before answering, then admits them", async () => {
      ams.setMember("K2", memberInfo("K2", { EmailAddress: "k2@example.org", MemberExpiresOn: "2027-06-30" }), "2026-01-01T00:00:00Z");
      const before = await gqlData<any>(harness.url, `{ member(key: "K2") { key } }`, {}, ADMIN_KEY);
      assert.equal(before.member, null, "not cached before the sign-on");
      const answer = await exchange({ method: "PRESHARED_KEY", token: psk("K2") });
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      assert.equal(answer.data!.exchangeSsoToken.member.email, "k2@example.org");
    });

    it("refuses a member the AMS has disabled, and one it does not know", async () => {
      assert.deepEqual(await refusal({ method: "PRESHARED_KEY", token: psk("K3") }), {
        code: "FORBIDDEN",
        reason: "MEMBER_DISABLED",
        message: "This member may not sign in",
      });
      const unknown = await refusal({ method: "PRESHARED_KEY", token: psk("K404") });
      assert.deepEqual([unknown.code, unknown.reason], ["UNAUTHENTICATED", "MEMBER_NOT_FOUND"]);
    });
  });

  describe("PERSONIFY", () => {
    it("builds the login redirect, then exchanges the single-use ct Personify sends back", async () => {
      const { personifyLoginUrl } = await gqlData<any>(harness.url, `query($u: String!) { personifyLoginUrl(returnUrl: $u) }`, {
        u: "https://members.example.org/after-login",
      });
      assert.match(personifyLoginUrl, /^https:\/\/sso\.example\.org\/SSO\/login\.aspx\?vi=AMSGATE&vt=/);
      const back = new URL(personify.completeLogin(personifyLoginUrl, "K1|0"));
      const ct = back.searchParams.get("ct")!;
      const answer = await exchange({ method: "PERSONIFY", token: ct });
      assert.equal(answer.data?.exchangeSsoToken.member.key, "K1", JSON.stringify(answer.errors));
      assert.equal((await refusal({ method: "PERSONIFY", token: ct })).reason, "INVALID_TOKEN", "ct tokens are single-use");
    });

    it("refuses a return URL outside the allowed origins", async () => {
      const answer = await gql(harness.url, `{ personifyLoginUrl(returnUrl: "https://evil.example.com/") }`);
      assert.equal(answer.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    });
  });

  describe("CREDENTIALS", () => {
    it("passes username and password to the AMS and never logs the password", async () => {
      const password = "correct horse battery staple";
      const answer = await exchange({ method: "CREDENTIALS", username: "K1@example.org", password });
      assert.equal(answer.data?.exchangeSsoToken.member.key, "K1", JSON.stringify(answer.errors));
      const wrong = await refusal({ method: "CREDENTIALS", username: "k1@example.org", password: "hunter2-wrong" });
      assert.deepEqual([wrong.code, wrong.reason], ["UNAUTHENTICATED", "CREDENTIALS_REJECTED"]);
      assert.ok(logLines.length > 0);
      assert.ok(logLines.every((line) => !line.includes(password) && !line.includes("hunter2-wrong")));
      assert.ok(logLines.some((line) => line.includes("sign-on refused") && line.includes("CREDENTIALS_REJECTED")));
    });

    it("limits failed attempts per username", async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await refusal({ method: "CREDENTIALS", username: "victim@example.org", password: `guess-${attempt}` });
      }
      const limited = await exchange({ method: "CREDENTIALS", username: "victim@example.org", password: "guess-4" });
      assert.equal(limited.errors?.[0]?.extensions?.code, "RATE_LIMITED");
      assert.ok(Number((limited.errors![0]!.extensions as { retryAfterSeconds: number }).retryAfterSeconds) > 0);
    });
  });

  describe("OIDC", () => {
    const claims = (overrides: Record<string, unknown> = {}) => ({
      iss: oidc.issuer,
      aud: "amsgate-app",
      sub: "K1",
      nonce: "n-123",
      iat: Math.floor(clock.now().getTime() / 1000),
      exp: Math.floor(clock.now().getTime() / 1000) + 300,
      ...overrides,
    });

    it("verifies the ID token against the provider's JWKS", async () => {
      const token = await oidc.sign(claims());
      const answer = await exchange({ method: "OIDC", token, nonce: "n-123" });
      assert.equal(answer.data?.exchangeSsoToken.member.key, "K1", JSON.stringify(answer.errors));
    });

    it("refuses a wrong nonce, audience or issuer, an expired token and alg none", async () => {
      const unsigned = (payload: object) =>
        `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.`;
      const cases = [
        { token: await oidc.sign(claims()), nonce: "other-nonce" },
        { token: await oidc.sign(claims({ aud: "someone-else" })), nonce: "n-123" },
        { token: await oidc.sign(claims({ iss: "https://evil.example.com" })), nonce: "n-123" },
        { token: await oidc.sign(claims({ exp: Math.floor(clock.now().getTime() / 1000) - 3_600 })), nonce: "n-123" },
        { token: unsigned(claims()), nonce: "n-123" },
      ];
      for (const input of cases) {
        const refused = await refusal({ method: "OIDC", ...input });
        assert.equal(refused.code, "UNAUTHENTICATED", JSON.stringify(refused));
      }
    });

    it("accepts an ID token once, in any gateway process, and remembers it until it expires", async () => {
      const nowSeconds = Math.floor(clock.now().getTime() / 1000);
      const token = await oidc.sign(claims({ jti: "id-token-once", nonce: "n-once" }));
      const first = await exchange({ method: "OIDC", token, nonce: "n-once" });
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      assert.deepEqual(await refusal({ method: "OIDC", token, nonce: "n-once" }), {
        code: "UNAUTHENTICATED",
        reason: "REPLAYED_TOKEN",
        message: "The ID token has already been used; sign in again.",
      });
      // Another process sharing the database: the database, not this process's memory, decides.
      const other = await startTestApp({ env: { ...env, SYNC_ENABLED: "false" }, keepData: true, overrides: { clock } });
      try {
        const answer = await gql(other.url, EXCHANGE, { input: { method: "OIDC", token, nonce: "n-once" } });
        assert.equal((answer.errors?.[0]?.extensions as { reason?: string } | undefined)?.reason, "REPLAYED_TOKEN", JSON.stringify(answer));
      } finally {
        await other.stop();
      }
      // Remembered until the token is refused as expired anyway: exp plus the clock tolerance (30s).
      const rows: Array<{ expires_at: Date }> = await harness.app.database.dataSource.query(
        "SELECT expires_at FROM sso_used_tokens WHERE token_id LIKE 'oidc:%'",
      );
      const expiries = rows.map((row) => new Date(row.expires_at).getTime());
      assert.ok(expiries.includes((nowSeconds + 300 + 30) * 1000), JSON.stringify(rows));
    });

    it("without a jti, the same issuer, subject, iat and nonce are the same ID token", async () => {
      const plain = claims({ nonce: "n-plain" });
      assert.equal((await exchange({ method: "OIDC", token: await oidc.sign(plain), nonce: "n-plain" })).errors, undefined);
      // Signed again, the same claims are still the same sign-on.
      assert.equal((await refusal({ method: "OIDC", token: await oidc.sign(plain), nonce: "n-plain" })).reason, "REPLAYED_TOKEN");
      const later = { ...plain, iat: plain.iat + 1 };
      assert.equal((await exchange({ method: "OIDC", token: await oidc.sign(later), nonce: "n-plain" })).errors, undefined);
    });
  });

  describe("WEB_SERVICE", () => {
    it("asks the AMS to resolve its token", async () => {
      const answer = await exchange({ method: "WEB_SERVICE", token: "ws-token-1" });
      assert.equal(answer.data?.exchangeSsoToken.member.key, "K1", JSON.stringify(answer.errors));
      assert.equal((await refusal({ method: "WEB_SERVICE", token: "ws-token-unknown" })).reason, "INVALID_TOKEN");
    });
  });

  describe("sessions", () => {
    it("refuses a forged session token with 401", async () => {
      const answer = await exchange({ method: "PRESHARED_KEY", token: psk("K1") });
      const token: string = answer.data!.exchangeSsoToken.accessToken;
      const [header, payload, signature] = token.split(".");
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: "K2" })).toString("base64url")}.${signature}`;
      const refused = await gql(harness.url, `{ me { kind } }`, {}, forged);
      assert.deepEqual([refused.status, refused.errors?.[0]?.extensions?.code], [401, "UNAUTHENTICATED"]);
    });

    it("closes a WebSocket when its session expires, unless renewed in band, keeping its subscriptions", { timeout: 30_000 }, async () => {
      const signOn = await exchange({ method: "PRESHARED_KEY", token: psk("K1") });
      const session = signOn.data!.exchangeSsoToken;
      const { client, closes, closed } = wsClient(harness.url, session.accessToken);
      try {
        const events: string[] = [];
        client.subscribe(
          { query: `subscription { syncProgress { id status } }` },
          {
            next: (value) => events.push((value.data as any).syncProgress.status),
            error: () => undefined,
            complete: () => undefined,
          },
        );
        assert.deepEqual((await wsExecute(client, `{ me { kind } }`)).data, { me: { kind: "session" } });
        timers.advance(8 * 60_000);
        const renewed = await wsExecute<any>(client, `mutation { renewSession { accessToken expiresAt } }`);
        assert.equal(renewed.errors, undefined, JSON.stringify(renewed.errors));
        assert.ok(new Date(renewed.data.renewSession.expiresAt) > new Date(session.expiresAt));
        timers.advance(5 * 60_000);
        assert.deepEqual(closes, [], "past the first expiry, still open");
        await gqlData(harness.url, `mutation { refreshMember(key: "K1", wait: true) { run { status } } }`, {}, ADMIN_KEY);
        assert.ok(events.includes("SUCCEEDED"), `the subscription kept receiving: ${events.join(",")}`);
        timers.advance(10 * 60_000);
        assert.equal((await closed()).code, 4401);
      } finally {
        await client.dispose();
      }
    });
  });
});
