import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { SamlIdp } from "./support/saml-idp";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { startOpenIdProvider, type OpenIdProvider } from "./support/openid-provider";
import { freePort, startTestApp, type TestApp } from "./support/test-app";

/** Debian's chromium; CI installs it (see .ci/run). Without it this suite says so and skips. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

describe("end to end in headless Chromium: login, provider form, callback, cookie, `me`", {
  skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`,
}, () => {
  const ams = new InMemoryAms();
  let fakeAms: FakeAms;
  let provider: OpenIdProvider;
  const idp = new SamlIdp();
  let harness: TestApp;
  let frontEnd: Server;
  let base: string;
  let appUrl: string;

  before(async () => {
    ams.setMember(
      "K1",
      memberInfo("K1", { EmailAddress: "k1@example.org", MemberType: "Regular", MemberExpiresOn: "2099-12-31", MemberSince: "2020-01-01" }),
      "2026-11-01T00:00:00Z",
    );
    fakeAms = await startFakeAms(ams);
    // The front end: another origin on the same site as the gateway (SameSite=Lax cookies go along).
    frontEnd = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title><p>app</p>"),
    );
    await new Promise<void>((resolve) => frontEnd.listen(0, "127.0.0.1", resolve));
    appUrl = `http://127.0.0.1:${(frontEnd.address() as AddressInfo).port}/app/`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOpenIdProvider({
      clients: [{ client_id: "amsgate", client_secret: "e2e-client-secret-0123456789", redirect_uris: [`${base}/auth/novi/callback`] }],
      accounts: { alice: { member_key: "K1" } },
    });
    await idp.start();
    idp.users.set("alice", "K1");
    harness = await startTestApp({
      port,
      database: "sqlite",
      env: {
        AMS_SOURCE: "rest",
        AMS_URL: fakeAms.url,
        AMS_API_KEY: fakeAms.apiKey,
        AMS_RETRY_BASE: "0",
        SYNC_ENABLED: "true",
        REFRESH_INTERVAL: "1h",
        OIDC_PROVIDERS: "novi",
        OIDC_NOVI_ISSUER: provider.issuer,
        OIDC_NOVI_CLIENT_ID: "amsgate",
        OIDC_NOVI_CLIENT_SECRET: "e2e-client-secret-0123456789",
        OIDC_NOVI_SCOPES: "openid amsgate",
        OIDC_NOVI_MEMBER_KEY_CLAIM: "member_key",
        SAML_PROVIDERS: "okta",
        SAML_OKTA_IDP_SSO_URL: idp.ssoUrl,
        SAML_OKTA_IDP_CERTS: idp.cert.replace(/\n/g, "\\n"),
        AUTH_PUBLIC_URL: base,
        SSO_RETURN_URL_ALLOWLIST: appUrl,
        SESSION_COOKIE_SECURE: "false",
      },
    });
  });

  after(async () => {
    await harness?.stop();
    await Promise.all([fakeAms?.close(), provider?.close(), idp.close(), new Promise((resolve) => frontEnd?.close(resolve))]);
  });

  it("signs on through the provider's form and the front end reads `me` with the cookie", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/auth/novi/login?returnUrl=${encodeURIComponent(appUrl)}`);
      await page.fill('input[name="login"]', "alice");
      await page.fill('input[name="password"]', "any password");
      await page.click('button[type="submit"]');
      // Consent, then the callback, then back at the front end.
      await page.click('button[type="submit"]');
      await page.waitForURL(appUrl);
      await expectCookieSession(page);
    } finally {
      await browser.close();
    }
  });

  it("signs on through the SAML identity provider's form and its auto-posting response", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/auth/saml/okta/login?returnUrl=${encodeURIComponent(appUrl)}`);
      await page.fill('input[name="login"]', "alice");
      await page.click('button[type="submit"]');
      // The IdP's page posts the signed response to the ACS URL by itself; then back at the front end.
      await page.waitForURL(appUrl);
      await expectCookieSession(page);
    } finally {
      await browser.close();
    }
  });

  /** The session cookie is HttpOnly and Lax, and the front end's `fetch` reads `me` with it. */
  async function expectCookieSession(page: import("playwright-core").Page): Promise<void> {
    const cookies = await page.context().cookies(base);
    const session = cookies.find((cookie) => cookie.name === "amsgate_session");
    assert.ok(session, "the session cookie is set");
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Lax");
    const answer = await page.evaluate(async (graphql) => {
      const response = await fetch(graphql, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json", "x-amsgate-csrf": "1" },
        body: JSON.stringify({ query: "{ me { kind member { key email } } }" }),
      });
      return { status: response.status, body: (await response.json()) as { data: { me: unknown } } };
    }, harness.url);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.data.me, { kind: "session", member: { key: "K1", email: "k1@example.org" } });
    // The page's script cannot read the session.
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie.includes("amsgate_session")),
      false,
    );
  }
});
