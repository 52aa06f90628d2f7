import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../src/observability/logger";
import { BrowserAgent, formAction } from "./support/browser-agent";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { gql, wsExecute } from "./support/graphql-client";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { startOpenIdProvider, type OpenIdProvider } from "./support/openid-provider";
import { freePort, startTestApp, type TestApp } from "./support/test-app";

const RETURN_URL = "http://localhost:5173/app/home";
const APP_ORIGIN = "http://localhost:5173";
const CLIENT_SECRET = "novi-client-secret-0123456789abcdef";
const ME = `{ me { kind member { key } } }`;
const SIGNING_KEYS = `k1:${"c3".repeat(32)}`;

describe("browser sign-on: authorization code with PKCE against a real OpenID provider", () => {
  const ams = new InMemoryAms();
  const logLines: string[] = [];
  let fakeAms: FakeAms;
  let provider: OpenIdProvider;
  let harness: TestApp;
  let base: string;

  before(async () => {
    ams.setMember(
      "K1",
      memberInfo("K1", { EmailAddress: "k1@example.org", MemberType: "Regular", MemberExpiresOn: "2099-12-31", MemberSince: "2020-01-01" }),
      "2026-11-01T00:00:00Z",
    );
    ams.setMember("K3", memberInfo("K3", { IsActive: false }), "2026-11-01T00:00:00Z");
    fakeAms = await startFakeAms(ams);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOpenIdProvider({
      clients: ["novi", "plain"].map((name) => ({
        client_id: `amsgate-${name}`,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${base}/auth/${name}/callback`],
      })),
      accounts: { alice: { member_key: "K1" }, bob: { member_key: "K3" }, carol: { member_key: "K404" }, dave: {} },
    });
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
        OIDC_PROVIDERS: "novi,plain",
        OIDC_NOVI_ISSUER: provider.issuer,
        OIDC_NOVI_CLIENT_ID: "amsgate-novi",
        OIDC_NOVI_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_NOVI_SCOPES: "openid amsgate",
        OIDC_NOVI_MEMBER_KEY_CLAIM: "member_key",
        // Plain OAuth 2.0: explicit endpoints, claims from userinfo.
        OIDC_PLAIN_AUTHORIZATION_ENDPOINT: `${provider.issuer}/auth`,
        OIDC_PLAIN_TOKEN_ENDPOINT: `${provider.issuer}/token`,
        OIDC_PLAIN_USERINFO_ENDPOINT: `${provider.issuer}/me`,
        OIDC_PLAIN_JWKS_URI: `${provider.issuer}/jwks`,
        OIDC_PLAIN_CLIENT_ID: "amsgate-plain",
        OIDC_PLAIN_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_PLAIN_SCOPES: "openid amsgate",
        OIDC_PLAIN_MEMBER_KEY_CLAIM: "member_key",
        AUTH_PUBLIC_URL: base,
        SSO_RETURN_URL_ALLOWLIST: `${APP_ORIGIN}/app/`,
        SESSION_COOKIE_SECURE: "false",
        // Shared, so that a second gateway process verifies the first one's sessions.
        SESSION_SIGNING_KEYS: SIGNING_KEYS,
      },
      overrides: { logger: createLogger("info", sink) },
    });
  });

  after(async () => {
    await harness?.stop();
    await Promise.all([fakeAms?.close(), provider?.close()]);
  });

  /** Login at the gateway, the provider's form and consent, up to (not into) the gateway's callback. */
  async function toCallback(
    agent: BrowserAgent,
    name: string,
    login: string,
    options: { delivery?: string; tamper?: (url: URL) => void } = {},
  ) {
    const query = new URLSearchParams({ returnUrl: RETURN_URL, ...(options.delivery ? { delivery: options.delivery } : {}) });
    const start = await agent.request(`${base}/auth/${name}/login?${query}`);
    assert.equal(start.status, 302, await start.text());
    const authorize = new URL(start.headers.get("location")!);
    assert.equal(authorize.origin, provider.issuer);
    options.tamper?.(authorize);
    const atGateway = (next: URL) => next.origin === base;
    let step = await agent.follow(authorize.toString(), atGateway);
    for (let page = 0; page < 4 && step.url.origin !== base; page += 1) {
      const html = await step.response.text();
      const fields: Record<string, string> = html.includes('name="login"')
        ? { prompt: "login", login, password: "any" }
        : { prompt: "consent" };
      step = await agent.follow(formAction(html, step.url).toString(), atGateway, { method: "POST", body: new URLSearchParams(fields) });
    }
    assert.equal(step.url.pathname, `/auth/${name}/callback`);
    return { callback: step.url, authorize };
  }

  const json = { accept: "application/json" };
  const refusalOf = async (response: Response) => {
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string; reason?: string } }> };
    return { status: response.status, ...body.errors[0]!.extensions, message: body.errors[0]!.message };
  };
  const cookieGql = (token: string | undefined, headers: Record<string, string> = { "x-amsgate-csrf": "1" }) =>
    fetch(harness.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { cookie: `amsgate_session=${token}` } : {}), ...headers },
      body: JSON.stringify({ query: ME }),
    });

  it("signs on with a cookie session: HttpOnly, SameSite=Lax, back to the return URL, and `me` is the member", async () => {
    const agent = new BrowserAgent();
    const { callback, authorize } = await toCallback(agent, "novi", "alice");
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    assert.ok(authorize.searchParams.get("state") && authorize.searchParams.get("nonce"));
    const answer = await agent.request(callback.toString());
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.get("location"), RETURN_URL);
    const setCookie = answer.headers.getSetCookie().find((header) => header.startsWith("amsgate_session="))!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.doesNotMatch(setCookie, /Secure/, "SESSION_COOKIE_SECURE=false for http://localhost");
    const token = agent.cookie(base, "amsgate_session")!;
    const me = (await (await cookieGql(token)).json()) as { data: { me: { kind: string; member: { key: string } } } };
    assert.deepEqual(me.data.me, { kind: "session", member: { key: "K1" } });
  });

  it("refuses a cookie-authenticated GraphQL request without the CSRF header", async () => {
    const agent = new BrowserAgent();
    await agent.request((await toCallback(agent, "novi", "alice")).callback.toString());
    const response = await cookieGql(agent.cookie(base, "amsgate_session"), {});
    const refusal = await refusalOf(response);
    assert.equal(refusal.status, 403);
    assert.equal(refusal.code, "FORBIDDEN");
    assert.match(refusal.message, /x-amsgate-csrf/);
  });

  it("hands a one-time code in the fragment, exchanged once with exchangeSsoToken(LOGIN_CODE)", async () => {
    const agent = new BrowserAgent();
    const answer = await agent.request((await toCallback(agent, "novi", "alice", { delivery: "code" })).callback.toString());
    assert.equal(answer.status, 302);
    const location = new URL(answer.headers.get("location")!);
    assert.equal(`${location.origin}${location.pathname}`, RETURN_URL);
    assert.equal(agent.cookie(base, "amsgate_session"), undefined, "no cookie session with code delivery");
    const code = new URLSearchParams(location.hash.slice(1)).get("amsgate_code")!;
    const exchange = `mutation($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken member { key } } }`;
    const first = await gql<any>(harness.url, exchange, { input: { method: "LOGIN_CODE", token: code } });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(first.data.exchangeSsoToken.member.key, "K1");
    const again = await gql<any>(harness.url, exchange, { input: { method: "LOGIN_CODE", token: code } });
    assert.equal((again.errors![0]!.extensions as { reason?: string }).reason, "REPLAYED_TOKEN");
  });

  it("signs on through a plain OAuth 2.0 provider, reading the member key from userinfo", async () => {
    const agent = new BrowserAgent();
    const { callback, authorize } = await toCallback(agent, "plain", "alice");
    assert.equal(authorize.searchParams.get("nonce"), null, "plain OAuth 2.0 sends no nonce");
    const answer = await agent.request(callback.toString());
    assert.equal(answer.status, 302);
    const me = (await (await cookieGql(agent.cookie(base, "amsgate_session"))).json()) as any;
    assert.equal(me.data.me.member.key, "K1");
  });

  it("refuses a callback whose state was altered", async () => {
    const agent = new BrowserAgent();
    const { callback } = await toCallback(agent, "novi", "alice");
    callback.searchParams.set("state", "forged-state");
    const refusal = await refusalOf(await agent.request(callback.toString(), { headers: json }));
    assert.deepEqual([refusal.status, refusal.code, refusal.reason], [401, "UNAUTHENTICATED", "LOGIN_STATE_INVALID"]);
  });

  it("refuses a replayed callback (the same code and login state a second time)", async () => {
    const agent = new BrowserAgent();
    const { callback } = await toCallback(agent, "novi", "alice");
    const loginCookie = agent.cookie(base, "amsgate_login_novi")!;
    assert.equal((await agent.request(callback.toString())).status, 302);
    agent.setCookie(base, "amsgate_login_novi", loginCookie, "/auth/novi/callback");
    const refusal = await refusalOf(await agent.request(callback.toString(), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "REPLAYED_TOKEN"]);
  });

  it("refuses an ID token whose nonce is not the login's", async () => {
    const agent = new BrowserAgent();
    const { callback } = await toCallback(agent, "novi", "alice", { tamper: (url) => url.searchParams.set("nonce", "attacker-nonce") });
    const refusal = await refusalOf(await agent.request(callback.toString(), { headers: json }));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /nonce/);
  });

  it("refuses a callback in a browser that did not start the login, with an HTML page for a navigation", async () => {
    const agent = new BrowserAgent();
    const { callback } = await toCallback(agent, "novi", "alice");
    const response = await new BrowserAgent().request(callback.toString());
    assert.equal(response.status, 401);
    assert.match(response.headers.get("content-type")!, /text\/html/);
    assert.match(await response.text(), /not started in this browser/);
  });

  it("refuses foreign return URLs without redirecting anywhere", async () => {
    for (const returnUrl of [
      "https://evil.example/app/",
      "http://localhost:5173/elsewhere",
      "http://localhost:5173/app/../admin",
      "http://localhost:5174/app/",
      "//evil.example/app/",
      "javascript:alert(1)",
    ]) {
      const response = await fetch(`${base}/auth/novi/login?${new URLSearchParams({ returnUrl })}`, { redirect: "manual", headers: json });
      assert.equal(response.headers.get("location"), null, returnUrl);
      const refusal = await refusalOf(response);
      assert.deepEqual([refusal.status, refusal.reason], [400, "RETURN_URL_NOT_ALLOWED"], returnUrl);
    }
  });

  it("refuses members the AMS does not know, disabled members, and a sign-on without the claim", async () => {
    for (const [login, status, reason] of [
      ["carol", 401, "MEMBER_NOT_FOUND"],
      ["bob", 403, "MEMBER_DISABLED"],
      ["dave", 401, "INVALID_TOKEN"],
    ] as const) {
      const agent = new BrowserAgent();
      const { callback } = await toCallback(agent, "novi", login);
      const refusal = await refusalOf(await agent.request(callback.toString(), { headers: json }));
      assert.deepEqual([refusal.status, refusal.reason], [status, reason], login);
    }
  });

  it("an unknown provider is a 404", async () => {
    const refusal = await refusalOf(
      await fetch(`${base}/auth/nobody/login?returnUrl=${encodeURIComponent(RETURN_URL)}`, { headers: json }),
    );
    assert.equal(refusal.status, 404);
  });

  it("logs refusals without state, codes or tokens", () => {
    const refusals = logLines.filter((line) => line.includes("browser sign-on refused"));
    assert.ok(refusals.length >= 5);
    for (const line of refusals) assert.doesNotMatch(line, /code=|state=|eyJ|amsgate_code/);
  });

  it("POST /auth/logout ends the session: the cookie's token is refused afterwards, also as a bearer token", async () => {
    const agent = new BrowserAgent();
    await agent.request((await toCallback(agent, "novi", "alice")).callback.toString());
    const token = agent.cookie(base, "amsgate_session")!;
    const withoutHeader = await fetch(`${base}/auth/logout`, { method: "POST", headers: { cookie: `amsgate_session=${token}` } });
    assert.equal(withoutHeader.status, 403, "logout by cookie needs the CSRF header too");
    const logout = await fetch(`${base}/auth/logout`, {
      method: "POST",
      headers: { cookie: `amsgate_session=${token}`, "x-amsgate-csrf": "1" },
    });
    assert.equal(logout.status, 204);
    assert.match(logout.headers.getSetCookie().join(), /amsgate_session=;/);
    assert.equal((await cookieGql(token)).status, 401);
    assert.equal((await gql(harness.url, ME, {}, token)).status, 401);
  });

  /** A graphql-ws client whose upgrade request carries the session cookie and an Origin, as a browser's would. */
  function cookieSocket(token: string, origin: string) {
    const closes: number[] = [];
    const headers = { cookie: `amsgate_session=${token}`, origin };
    const client = createClient({
      url: harness.url.replace(/^http/, "ws"),
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      },
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    return { client, closes };
  }

  it("authenticates graphql-ws by cookie only from an allowed Origin", async () => {
    const agent = new BrowserAgent();
    await agent.request((await toCallback(agent, "novi", "alice")).callback.toString());
    const token = agent.cookie(base, "amsgate_session")!;
    const allowed = cookieSocket(token, APP_ORIGIN);
    const answer = await wsExecute<any>(allowed.client, ME);
    assert.deepEqual(answer.data?.me, { kind: "session", member: { key: "K1" } });
    await allowed.client.dispose();
    const foreign = cookieSocket(token, "https://evil.example");
    await assert.rejects(wsExecute(foreign.client, ME));
    assert.deepEqual(foreign.closes, [4403]);
    await foreign.client.dispose();
  });

  it("a sign-out holds for renewed tokens of the session and in another gateway process", async () => {
    const agent = new BrowserAgent();
    const answer = await agent.request((await toCallback(agent, "novi", "alice", { delivery: "code" })).callback.toString());
    const code = new URLSearchParams(new URL(answer.headers.get("location")!).hash.slice(1)).get("amsgate_code")!;
    const signedOn = await gql<any>(
      harness.url,
      `mutation($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken } }`,
      { input: { method: "LOGIN_CODE", token: code } },
    );
    const first = signedOn.data.exchangeSsoToken.accessToken as string;
    const renewed = (await gql<any>(harness.url, `mutation { renewSession { accessToken } }`, {}, first)).data.renewSession
      .accessToken as string;
    assert.notEqual(renewed, first);
    const other = await startTestApp({
      keepData: true,
      env: { AMS_SOURCE: "rest", AMS_URL: fakeAms.url, AMS_API_KEY: fakeAms.apiKey, SESSION_SIGNING_KEYS: SIGNING_KEYS },
    });
    try {
      assert.equal(
        (await gql<any>(other.url, ME, {}, renewed)).data?.me.member.key,
        "K1",
        "the other process accepts the session before sign-out",
      );
      const logout = await fetch(`${base}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${first}` } });
      assert.equal(logout.status, 204);
      for (const url of [harness.url, other.url]) {
        for (const token of [first, renewed]) assert.equal((await gql(url, ME, {}, token)).status, 401, url);
      }
    } finally {
      await other.stop();
    }
  });
});
