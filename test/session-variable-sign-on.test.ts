import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../src/observability/logger";
import { mintPresharedKeyToken } from "../src/sso/preshared-key/preshared-key.mint";
import { ManualClock } from "../src/time/clock";
import { BrowserAgent } from "./support/browser-agent";
import { FakeAssociationLogin } from "./support/fake-association-login";
import { FakePersonify } from "./support/fake-personify";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { freePort, startTestApp, type TestApp } from "./support/test-app";

const RETURN_URL = "http://localhost:5173/app/home";
const PSK_HEX = "d5".repeat(32);
const PSK = { id: "site", secret: Buffer.from(PSK_HEX, "hex") };
const ME = `{ me { kind member { key } } }`;

describe("session-variable redirect: the association's login page, a returned token, a session", () => {
  const ams = new InMemoryAms();
  const logLines: string[] = [];
  /** The association's website mints pre-shared-key tokens on the real clock, as in production. */
  const mint = (memberKey: string, at = new Date(), ttlSeconds = 60) =>
    mintPresharedKeyToken(PSK, memberKey, { clock: new ManualClock(at.toISOString()), ttlSeconds });
  const site = new FakeAssociationLogin({
    returnParam: "ReturnTo",
    tokenParam: "sv",
    issue: (user) => (user === "alice" ? mint("K1") : undefined),
  });
  const amsPage = new FakeAssociationLogin({ returnParam: "ReturnUrl", tokenParam: "unused", issue: () => undefined });
  let fakeAms: FakeAms;
  let personify: FakePersonify;
  let harness: TestApp;
  let base: string;

  before(async () => {
    ams.setMember(
      "K1",
      memberInfo("K1", { EmailAddress: "k1@example.org", MemberType: "Regular", MemberExpiresOn: "2099-12-31", MemberSince: "2020-01-01" }),
      "2026-11-01T00:00:00Z",
    );
    ams.addSsoToken("ams-session-1", "K1");
    fakeAms = await startFakeAms(ams);
    personify = await FakePersonify.start();
    await Promise.all([site.start(), amsPage.start()]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    harness = await startTestApp({
      port,
      env: {
        AMS_SOURCE: "rest",
        AMS_URL: fakeAms.url,
        AMS_API_KEY: fakeAms.apiKey,
        AMS_RETRY_BASE: "0",
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "1h",
        SSO_LOGIN_REFRESH_WAIT: "5s",
        SSO_PRESHARED_KEYS: `site:${PSK_HEX}`,
        SSO_WEB_SERVICE_ENABLED: "true",
        PERSONIFY_SSO_URL: personify.url,
        PERSONIFY_LOGIN_URL: "https://sso.example.org/SSO/login.aspx",
        PERSONIFY_VENDOR_ID: "AMSGATE",
        PERSONIFY_VENDOR_USERNAME: personify.vendorUsername,
        PERSONIFY_VENDOR_PASSWORD: personify.vendorPassword,
        PERSONIFY_VENDOR_BLOCK: personify.vendorBlock,
        PERSONIFY_RETURN_URL_ORIGINS: base,
        REDIRECT_PROVIDERS: "site,ams,personify",
        REDIRECT_SITE_RESOLVE: "preshared-key",
        REDIRECT_SITE_LOGIN_URL: site.loginUrl,
        REDIRECT_SITE_RETURN_PARAM: "ReturnTo",
        REDIRECT_SITE_TOKEN_PARAM: "sv",
        REDIRECT_AMS_RESOLVE: "web-service",
        REDIRECT_AMS_LOGIN_URL: amsPage.loginUrl,
        REDIRECT_AMS_TOKEN_COOKIE: "AMS_SESSION",
        REDIRECT_PERSONIFY_RESOLVE: "personify",
        AUTH_PUBLIC_URL: base,
        SSO_RETURN_URL_ALLOWLIST: "http://localhost:5173/app/",
        SESSION_COOKIE_SECURE: "false",
        SESSION_SIGNING_KEYS: `k1:${"c5".repeat(32)}`,
      },
      overrides: { logger: createLogger("info", sink) },
    });
  });

  after(async () => {
    await harness?.stop();
    await Promise.all([fakeAms?.close(), personify?.close(), site.close(), amsPage.close()]);
  });

  const json = { accept: "application/json" };
  const refusalOf = async (response: Response) => {
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string; reason?: string } }> };
    return { status: response.status, ...body.errors[0]!.extensions, message: body.errors[0]!.message };
  };
  const meByCookie = async (agent: BrowserAgent) => {
    const response = await fetch(harness.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: `amsgate_session=${agent.cookie(base, "amsgate_session")}`,
        "x-amsgate-csrf": "1",
      },
      body: JSON.stringify({ query: ME }),
    });
    return ((await response.json()) as { data: { me: { kind: string; member: { key: string } | null } } }).data.me;
  };

  /** Login at the gateway: where it sends the browser. */
  async function startLogin(agent: BrowserAgent, provider: string): Promise<URL> {
    const start = await agent.request(`${base}/auth/redirect/${provider}/login?${new URLSearchParams({ returnUrl: RETURN_URL })}`);
    assert.equal(start.status, 302, await start.text());
    return new URL(start.headers.get("location")!);
  }
  const callbackWith = (provider: string, query: Record<string, string>) =>
    `${base}/auth/redirect/${provider}/callback?${new URLSearchParams(query)}`;

  it("pre-shared key in the query string: login page with a Return URL, back with the token, a cookie session", async () => {
    const agent = new BrowserAgent();
    const loginPage = await startLogin(agent, "site");
    assert.equal(`${loginPage.origin}${loginPage.pathname}`, site.loginUrl);
    assert.equal(loginPage.searchParams.get("ReturnTo"), `${base}/auth/redirect/site/callback`);
    // The member signs in at the association; its page sends the browser back with `sv`.
    const back = await agent.follow(`${loginPage}&user=alice`, (next) => next.origin === base);
    assert.equal(back.url.pathname, "/auth/redirect/site/callback");
    assert.ok(back.url.searchParams.get("sv"));
    const answer = await agent.request(back.url.toString());
    assert.equal(answer.status, 302, await answer.text());
    assert.equal(answer.headers.get("location"), RETURN_URL);
    assert.deepEqual(await meByCookie(agent), { kind: "session", member: { key: "K1" } });
  });

  it("refuses a tampered pre-shared-key token", async () => {
    const agent = new BrowserAgent();
    await startLogin(agent, "site");
    const token = mint("K1");
    const tampered = token.slice(0, -3) + (token.at(-3) === "A" ? "B" : "A") + token.slice(-2);
    const refusal = await refusalOf(await agent.request(callbackWith("site", { sv: tampered }), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.equal(agent.cookie(base, "amsgate_session"), undefined);
  });

  it("refuses an expired pre-shared-key token", async () => {
    const agent = new BrowserAgent();
    await startLogin(agent, "site");
    const expired = mint("K1", new Date(Date.now() - 10 * 60_000), 60);
    const refusal = await refusalOf(await agent.request(callbackWith("site", { sv: expired }), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "EXPIRED_TOKEN"]);
  });

  it("refuses a replayed token, even in a new login", async () => {
    const token = mint("K1");
    const first = new BrowserAgent();
    await startLogin(first, "site");
    assert.equal((await first.request(callbackWith("site", { sv: token }))).status, 302);
    const second = new BrowserAgent();
    await startLogin(second, "site");
    const refusal = await refusalOf(await second.request(callbackWith("site", { sv: token }), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "REPLAYED_TOKEN"]);
  });

  it("refuses the same callback twice (the login state is single use)", async () => {
    const agent = new BrowserAgent();
    await startLogin(agent, "site");
    const loginState = agent.cookie(base, "amsgate_redirect_site")!;
    assert.equal((await agent.request(callbackWith("site", { sv: mint("K1") }))).status, 302);
    agent.setCookie(base, "amsgate_redirect_site", loginState, "/auth/redirect/site/callback");
    const refusal = await refusalOf(await agent.request(callbackWith("site", { sv: mint("K1") }), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "REPLAYED_TOKEN"]);
  });

  it("refuses a callback without the token, and one from a browser that did not start the login", async () => {
    const agent = new BrowserAgent();
    await startLogin(agent, "site");
    const missing = await refusalOf(await agent.request(callbackWith("site", {}), { headers: json }));
    assert.deepEqual([missing.status, missing.reason], [400, "BAD_REQUEST"]);
    assert.match(missing.message, /sv parameter/);
    const foreign = await refusalOf(await new BrowserAgent().request(callbackWith("site", { sv: mint("K1") }), { headers: json }));
    assert.deepEqual([foreign.status, foreign.reason], [401, "LOGIN_STATE_INVALID"]);
  });

  it("refuses a foreign return URL without sending the browser to the login page", async () => {
    const before = site.returnUrls.length;
    const response = await new BrowserAgent().request(
      `${base}/auth/redirect/site/login?returnUrl=${encodeURIComponent("https://evil.example/app/")}`,
      { headers: json },
    );
    const refusal = await refusalOf(response);
    assert.deepEqual([refusal.status, refusal.reason], [400, "RETURN_URL_NOT_ALLOWED"]);
    assert.equal(site.returnUrls.length, before);
  });

  it("web service with a domain cookie: the AMS resolves the session variable", async () => {
    const agent = new BrowserAgent();
    const loginPage = await startLogin(agent, "ams");
    assert.equal(loginPage.searchParams.get("ReturnUrl"), `${base}/auth/redirect/ams/callback`, "the default Return URL parameter");
    // The association set its session cookie on a parent domain the gateway shares.
    agent.setCookie(base, "AMS_SESSION", "ams-session-1");
    const answer = await agent.request(`${base}/auth/redirect/ams/callback`);
    assert.equal(answer.status, 302, await answer.text());
    assert.deepEqual(await meByCookie(agent), { kind: "session", member: { key: "K1" } });
  });

  it("refuses a session variable the AMS web service rejects, and a missing cookie", async () => {
    const agent = new BrowserAgent();
    await startLogin(agent, "ams");
    agent.setCookie(base, "AMS_SESSION", "not-a-session");
    const rejected = await refusalOf(await agent.request(`${base}/auth/redirect/ams/callback`, { headers: json }));
    assert.deepEqual([rejected.status, rejected.reason], [401, "INVALID_TOKEN"]);
    const bare = new BrowserAgent();
    await startLogin(bare, "ams");
    const missing = await refusalOf(await bare.request(`${base}/auth/redirect/ams/callback`, { headers: json }));
    assert.deepEqual([missing.status, missing.reason], [400, "BAD_REQUEST"]);
    assert.match(missing.message, /AMS_SESSION cookie/);
  });

  it("Personify joins the same framework: a vendor-token login link, back with ct, resolved by the SSO service", async () => {
    const agent = new BrowserAgent();
    const loginPage = await startLogin(agent, "personify");
    assert.equal(`${loginPage.origin}${loginPage.pathname}`, "https://sso.example.org/SSO/login.aspx");
    assert.equal(loginPage.searchParams.get("vi"), "AMSGATE");
    // Personify's login page is not on loopback; the fake completes the round trip it would make.
    const back = new URL(personify.completeLogin(loginPage.toString(), "K1|0"));
    assert.equal(`${back.origin}${back.pathname}`, `${base}/auth/redirect/personify/callback`);
    const answer = await agent.request(back.toString());
    assert.equal(answer.status, 302, await answer.text());
    assert.deepEqual(await meByCookie(agent), { kind: "session", member: { key: "K1" } });

    // Personify consumes a ct when it checks it: the same ct again is refused.
    const again = new BrowserAgent();
    await startLogin(again, "personify");
    const refusal = await refusalOf(await again.request(back.toString(), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
  });

  it("logs refusals without tokens", () => {
    const refusals = logLines.filter((line) => /refused/.test(line));
    assert.ok(refusals.length >= 5);
    for (const line of logLines) assert.doesNotMatch(line, /sv=|ct=|not-a-session|ams-session-1/);
  });
});
