import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { inflateRawSync } from "node:zlib";
import { createLogger } from "../src/observability/logger";
import { BrowserAgent, formAction } from "./support/browser-agent";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { type ReceivedAuthnRequest, type ResponseOptions, SamlIdp, samlTestKey } from "./support/saml-idp";
import { freePort, startTestApp, type TestApp } from "./support/test-app";

const RETURN_URL = "http://localhost:5173/app/home";
const ME = `{ me { kind member { key } } }`;

describe("SAML 2.0 sign-on against a local identity provider", () => {
  const ams = new InMemoryAms();
  const logLines: string[] = [];
  const idp = new SamlIdp();
  let fakeAms: FakeAms;
  let harness: TestApp;
  let base: string;
  let acsUrl: string;
  /** The gateway's environment; a second gateway process on the same database reuses it. */
  let env: Record<string, string>;

  before(async () => {
    ams.setMember(
      "K1",
      memberInfo("K1", { EmailAddress: "k1@example.org", MemberType: "Regular", MemberExpiresOn: "2099-12-31", MemberSince: "2020-01-01" }),
      "2026-11-01T00:00:00Z",
    );
    fakeAms = await startFakeAms(ams);
    await idp.start();
    idp.users.set("alice", "K1");
    idp.users.set("mallory", "K404");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    acsUrl = `${base}/auth/saml/okta/acs`;
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
      SSO_LOGIN_REFRESH_WAIT: "5s",
      SAML_PROVIDERS: "okta,entra",
      SAML_ENTRA_IDP_SSO_URL: idp.ssoUrl,
      SAML_ENTRA_IDP_CERTS: idp.cert.replace(/\n/g, "\\n"),
      SAML_ENTRA_MEMBER_KEY_ATTRIBUTE: "memberKey",
      SAML_OKTA_IDP_SSO_URL: idp.ssoUrl,
      // Written as IdP metadata shows it: the bare base64 of the DER form.
      SAML_OKTA_IDP_CERTS: idp.cert.replace(/-----[A-Z ]+-----|\s/g, ""),
      SAML_OKTA_IDP_ENTITY_ID: idp.entityId,
      SAML_OKTA_CLOCK_SKEW: "30s",
      AUTH_PUBLIC_URL: base,
      SSO_RETURN_URL_ALLOWLIST: "http://localhost:5173/app/",
      SESSION_COOKIE_SECURE: "false",
      SESSION_SIGNING_KEYS: `k1:${"c4".repeat(32)}`,
    };
    harness = await startTestApp({ port, env, overrides: { logger: createLogger("info", sink) } });
  });

  after(async () => {
    await harness?.stop();
    await Promise.all([fakeAms?.close(), idp.close()]);
  });

  /** Login at the gateway, up to the IdP: the AuthnRequest the IdP received. */
  async function startLogin(
    agent: BrowserAgent,
    query: Record<string, string> = {},
  ): Promise<{ request: ReceivedAuthnRequest; location: URL }> {
    const start = await agent.request(`${base}/auth/saml/okta/login?${new URLSearchParams({ returnUrl: RETURN_URL, ...query })}`);
    assert.equal(start.status, 302, await start.text());
    const location = new URL(start.headers.get("location")!);
    assert.equal(`${location.origin}${location.pathname}`, idp.ssoUrl);
    const page = await agent.request(`${location}&login=nobody`);
    await page.text();
    return { request: idp.requests.at(-1)!, location };
  }

  const postToAcs = (agent: BrowserAgent, samlResponse: string, headers: Record<string, string> = { accept: "application/json" }) =>
    agent.request(acsUrl, { method: "POST", body: new URLSearchParams({ SAMLResponse: samlResponse }), headers });

  const refusalOf = async (response: Response) => {
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string; reason?: string } }> };
    return { status: response.status, ...body.errors[0]!.extensions, message: body.errors[0]!.message };
  };

  /** A fresh login answered by `options`; the refusal the ACS gave. */
  async function refused(options: Omit<ResponseOptions, "nameId"> & { nameId?: string }) {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const response = await postToAcs(agent, idp.response(request, { nameId: "K1", ...options }));
    assert.equal(agent.cookie(base, "amsgate_session"), undefined, "no session on a refusal");
    return refusalOf(response);
  }

  const meByCookie = async (token: string) => {
    const response = await fetch(harness.url, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `amsgate_session=${token}`, "x-amsgate-csrf": "1" },
      body: JSON.stringify({ query: ME }),
    });
    return ((await response.json()) as { data: { me: { kind: string; member: { key: string } | null } } }).data.me;
  };

  it("serves service provider metadata: entity id, ACS by HTTP-POST, signed assertions wanted", async () => {
    const response = await fetch(`${base}/auth/saml/okta/metadata`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /samlmetadata\+xml/);
    const xml = await response.text();
    assert.match(xml, new RegExp(`entityID="${base}/auth/saml/okta/metadata"`));
    assert.match(xml, /WantAssertionsSigned="true"/);
    assert.match(xml, new RegExp(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acsUrl}"`));
  });

  it("signs on: AuthnRequest by redirect, signed response by POST, a cookie session, and `me` is the member", async () => {
    const agent = new BrowserAgent();
    const start = await agent.request(`${base}/auth/saml/okta/login?${new URLSearchParams({ returnUrl: RETURN_URL })}`);
    assert.equal(start.status, 302);
    const location = new URL(start.headers.get("location")!);
    const authnRequest = inflateRawSync(Buffer.from(location.searchParams.get("SAMLRequest")!, "base64")).toString("utf8");
    assert.match(authnRequest, new RegExp(`AssertionConsumerServiceURL="${acsUrl}"`));
    assert.match(authnRequest, new RegExp(`Destination="${idp.ssoUrl}"`));
    const setCookie = start.headers.getSetCookie().find((header) => header.startsWith("amsgate_saml_okta="))!;
    assert.match(setCookie, /Path=\/auth\/saml\/okta\/acs/);
    assert.match(setCookie, /HttpOnly/);

    // The IdP's page, as a browser gets it: an auto-posting form to the ACS URL.
    const page = await (await agent.request(`${location}&login=alice`)).text();
    assert.equal(formAction(page, new URL(idp.ssoUrl)).toString(), acsUrl);
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(page)![1]!;
    const answer = await agent.request(acsUrl, { method: "POST", body: new URLSearchParams({ SAMLResponse: samlResponse }) });
    assert.equal(answer.status, 303, await answer.text());
    assert.equal(answer.headers.get("location"), RETURN_URL);
    assert.equal(agent.cookie(base, "amsgate_saml_okta"), undefined, "the login state is spent");
    assert.deepEqual(await meByCookie(agent.cookie(base, "amsgate_session")!), { kind: "session", member: { key: "K1" } });
  });

  it("hands a one-time code instead of a cookie when asked", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent, { delivery: "code" });
    const answer = await postToAcs(agent, idp.response(request, { nameId: "K1" }), {});
    assert.equal(answer.status, 303);
    const location = new URL(answer.headers.get("location")!);
    assert.ok(new URLSearchParams(location.hash.slice(1)).get("amsgate_code"));
    assert.equal(agent.cookie(base, "amsgate_session"), undefined);
  });

  it("takes the member key from the NameID by default, and from a configured attribute", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const answer = await postToAcs(agent, idp.response(request, { nameId: "K1", attributes: { memberKey: "K404" } }));
    assert.equal(answer.status, 303);
    assert.equal((await meByCookie(agent.cookie(base, "amsgate_session")!)).member?.key, "K1");

    const other = new BrowserAgent();
    const start = await other.request(`${base}/auth/saml/entra/login?${new URLSearchParams({ returnUrl: RETURN_URL })}`);
    await (await other.request(`${start.headers.get("location")}&login=nobody`)).text();
    const entraRequest = idp.requests.at(-1)!;
    assert.equal(entraRequest.acsUrl, `${base}/auth/saml/entra/acs`);
    const samlResponse = idp.response(entraRequest, { nameId: "alice@example.org", attributes: { memberKey: "K1" } });
    const entra = await other.request(entraRequest.acsUrl, { method: "POST", body: new URLSearchParams({ SAMLResponse: samlResponse }) });
    assert.equal(entra.status, 303, await entra.text());
    assert.equal((await meByCookie(other.cookie(base, "amsgate_session")!)).member?.key, "K1");
  });

  it("refuses an assertion without the configured attribute", async () => {
    const agent = new BrowserAgent();
    const start = await agent.request(`${base}/auth/saml/entra/login?${new URLSearchParams({ returnUrl: RETURN_URL })}`);
    await (await agent.request(`${start.headers.get("location")}&login=nobody`)).text();
    const request = idp.requests.at(-1)!;
    const response = await agent.request(request.acsUrl, {
      method: "POST",
      body: new URLSearchParams({ SAMLResponse: idp.response(request, { nameId: "K1" }) }),
      headers: { accept: "application/json" },
    });
    const refusal = await refusalOf(response);
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /no member key/);
  });

  it("refuses an unsigned assertion", async () => {
    const refusal = await refused({ signWith: "none" });
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /not signed/);
  });

  it("refuses an assertion signed by another key", async () => {
    const refusal = await refused({ signWith: "other" });
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /not signed/);
  });

  it("refuses a response with a second, unsigned assertion injected beside the signed one (wrapping)", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const evil = idp.assertionXml(request, { nameId: "K-EVIL" });
    const xml = idp.responseXml(request, { nameId: "K1", rewrite: (text) => text.replace("</samlp:Status>", `</samlp:Status>${evil}`) });
    const refusal = await refusalOf(await postToAcs(agent, Buffer.from(xml).toString("base64")));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
  });

  it("refuses a signed assertion moved out of place under an unsigned one (wrapping)", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const xml = idp.responseXml(request, {
      nameId: "K1",
      rewrite: (text, { signedAssertion }) => {
        const evil = idp.assertionXml(request, { nameId: "K-EVIL" });
        // The signed original hides in the evil assertion's Advice; the evil one is what a naive reader uses.
        const wrapped = evil.replace("<saml:Conditions", `<saml:Advice>${signedAssertion}</saml:Advice><saml:Conditions`);
        return text.replace(signedAssertion, wrapped);
      },
    });
    const refusal = await refusalOf(await postToAcs(agent, Buffer.from(xml).toString("base64")));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
  });

  it("refuses a signed assertion whose signature was copied onto an altered copy with the same ID (wrapping)", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const xml = idp.responseXml(request, {
      nameId: "K1",
      rewrite: (text, { signedAssertion }) => {
        const altered = signedAssertion.replace(">K1</saml:NameID>", ">K-EVIL</saml:NameID>");
        return text
          .replace(signedAssertion, altered)
          .replace("<samlp:Status>", `<samlp:Extensions>${signedAssertion}</samlp:Extensions><samlp:Status>`);
      },
    });
    const refusal = await refusalOf(await postToAcs(agent, Buffer.from(xml).toString("base64")));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
  });

  it("refuses a response carrying the signed assertion twice", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const xml = idp.responseXml(request, {
      nameId: "K1",
      rewrite: (text, { signedAssertion }) => text.replace(signedAssertion, signedAssertion.repeat(2)),
    });
    const refusal = await refusalOf(await postToAcs(agent, Buffer.from(xml).toString("base64")));
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
  });

  it("refuses an assertion for another audience", async () => {
    const refusal = await refused({ audience: "https://other-sp.example.org/metadata" });
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /audience/);
  });

  it("refuses an assertion whose Recipient is another service", async () => {
    const refusal = await refused({ recipient: "https://other-sp.example.org/acs" });
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /Recipient/);
  });

  it("refuses a response whose Destination is another service", async () => {
    const refusal = await refused({ destination: "https://other-sp.example.org/acs" });
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /Destination/);
  });

  it("refuses an expired assertion (NotOnOrAfter past, beyond the clock skew)", async () => {
    const refusal = await refused({ notOnOrAfter: new Date(Date.now() - 31_000) });
    assert.deepEqual([refusal.status, refusal.reason], [401, "EXPIRED_TOKEN"]);
  });

  it("refuses an assertion whose Conditions expired while its subject confirmation has not", async () => {
    const refusal = await refused({ notOnOrAfter: new Date(Date.now() - 60_000), subjectNotOnOrAfter: new Date(Date.now() + 60_000) });
    assert.deepEqual([refusal.status, refusal.reason], [401, "EXPIRED_TOKEN"]);
  });

  it("accepts an assertion expired by less than the clock skew", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const answer = await postToAcs(agent, idp.response(request, { nameId: "K1", notOnOrAfter: new Date(Date.now() - 10_000) }));
    assert.equal(answer.status, 303, await answer.text());
  });

  it("refuses an assertion not valid yet (NotBefore in the future, beyond the clock skew)", async () => {
    const refusal = await refused({ notBefore: new Date(Date.now() + 5 * 60_000) });
    assert.deepEqual([refusal.status, refusal.reason], [401, "INVALID_TOKEN"]);
    assert.match(refusal.message, /NotBefore/);
  });

  it("refuses a response to another login (unknown InResponseTo)", async () => {
    const refusal = await refused({ inResponseTo: "_not-this-login" });
    assert.deepEqual([refusal.status, refusal.reason], [401, "LOGIN_STATE_INVALID"]);
    assert.match(refusal.message, /InResponseTo/);
  });

  it("refuses an unsolicited (IdP-initiated) response: no InResponseTo on the Response", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    // The first InResponseTo is the Response's own (its start tag comes first); the signed assertion keeps its own.
    const xml = idp.responseXml(request, { nameId: "K1", rewrite: (text) => text.replace(/ InResponseTo="[^"]*"/, "") });
    assert.doesNotMatch(xml.slice(0, xml.indexOf("<saml:Issuer>")), /InResponseTo/);
    const refusal = await refusalOf(await postToAcs(agent, Buffer.from(xml).toString("base64")));
    assert.deepEqual([refusal.status, refusal.reason], [401, "LOGIN_STATE_INVALID"]);
  });

  it("refuses an answer to a login this browser did not start, with an HTML page for a navigation", async () => {
    const starter = new BrowserAgent();
    const { request } = await startLogin(starter);
    const response = await postToAcs(new BrowserAgent(), idp.response(request, { nameId: "K1" }), { accept: "text/html" });
    assert.equal(response.status, 401);
    assert.match(await response.text(), /<h1>Sign-on failed<\/h1>.*not started in this browser/s);
  });

  it("refuses the same response posted twice", async () => {
    const agent = new BrowserAgent();
    const { request } = await startLogin(agent);
    const loginState = agent.cookie(base, "amsgate_saml_okta")!;
    const samlResponse = idp.response(request, { nameId: "K1" });
    assert.equal((await postToAcs(agent, samlResponse)).status, 303);
    agent.setCookie(base, "amsgate_saml_okta", loginState, "/auth/saml/okta/acs");
    const refusal = await refusalOf(await postToAcs(agent, samlResponse));
    assert.deepEqual([refusal.status, refusal.reason], [401, "REPLAYED_TOKEN"]);
  });

  it("refuses an assertion id used before, even in an answer to a new login", async () => {
    const first = new BrowserAgent();
    const one = await startLogin(first);
    assert.equal((await postToAcs(first, idp.response(one.request, { nameId: "K1", id: "_reused-assertion" }))).status, 303);
    const second = new BrowserAgent();
    const two = await startLogin(second);
    const refusal = await refusalOf(await postToAcs(second, idp.response(two.request, { nameId: "K1", id: "_reused-assertion" })));
    assert.deepEqual([refusal.status, refusal.reason], [401, "REPLAYED_TOKEN"]);
  });

  it("another gateway process finishes a login this one started, and refuses the assertion id there too", async () => {
    const other = await startTestApp({ keepData: true, env });
    try {
      const agent = new BrowserAgent();
      const { request } = await startLogin(agent);
      // Behind a load balancer the POST reaches another process; the ACS URL names the shared one.
      const samlResponse = idp.response(request, { nameId: "K1", id: "_cross-process" });
      const body = () => new URLSearchParams({ SAMLResponse: samlResponse });
      const loginState = agent.cookie(base, "amsgate_saml_okta")!;
      const viaOther = await fetch(`${other.baseUrl}/auth/saml/okta/acs`, {
        method: "POST",
        body: body(),
        redirect: "manual",
        headers: { cookie: `amsgate_saml_okta=${loginState}` },
      });
      assert.equal(viaOther.status, 303, await viaOther.text());
      assert.deepEqual(await meByCookie(/amsgate_session=([^;]+)/.exec(viaOther.headers.get("set-cookie") ?? "")![1]!), {
        kind: "session",
        member: { key: "K1" },
      });

      const again = new BrowserAgent();
      const second = await startLogin(again);
      const replay = await fetch(`${other.baseUrl}/auth/saml/okta/acs`, {
        method: "POST",
        body: new URLSearchParams({ SAMLResponse: idp.response(second.request, { nameId: "K1", id: "_cross-process" }) }),
        redirect: "manual",
        headers: { cookie: `amsgate_saml_okta=${again.cookie(base, "amsgate_saml_okta")}`, accept: "application/json" },
      });
      assert.equal((await refusalOf(replay)).reason, "REPLAYED_TOKEN");
      const here = new BrowserAgent();
      const third = await startLogin(here);
      const refusal = await refusalOf(await postToAcs(here, idp.response(third.request, { nameId: "K1", id: "_cross-process" })));
      assert.equal(refusal.reason, "REPLAYED_TOKEN", "and in the first process");
    } finally {
      await other.stop();
    }
  });

  it("refuses a member the AMS does not know after the serial refresh", async () => {
    const refusal = await refused({ nameId: "K404" });
    assert.equal(refusal.reason, "MEMBER_NOT_FOUND");
  });

  it("refuses a foreign return URL without going to the IdP, and an unknown provider is a 404", async () => {
    const login = await fetch(`${base}/auth/saml/okta/login?returnUrl=${encodeURIComponent("https://evil.example/")}`, {
      redirect: "manual",
      headers: { accept: "application/json" },
    });
    assert.equal((await refusalOf(login)).reason, "RETURN_URL_NOT_ALLOWED");
    const unknown = await fetch(`${base}/auth/saml/nope/metadata`, { headers: { accept: "application/json" } });
    assert.equal(unknown.status, 404);
  });

  it("logs each refusal with its reason and never the response, assertion or keys", () => {
    const refusals = logLines.filter((line) => line.includes("SAML response refused"));
    assert.ok(refusals.length >= 10, `refusals logged: ${refusals.length}`);
    const { key } = samlTestKey("idp");
    const keyLine = key.split("\n")[1]!;
    for (const line of logLines) {
      assert.doesNotMatch(line, /PHNhbWxw|<saml|SAMLResponse=|amsgate_code=/);
      assert.ok(!line.includes(keyLine));
    }
    assert.ok(refusals.some((line) => /"reason":"[^"]*(signature|Invalid)/i.test(line)));
  });
});
