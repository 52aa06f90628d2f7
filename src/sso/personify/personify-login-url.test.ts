import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FakePersonify } from "../../../test/support/fake-personify";
import type { PersonifySsoConfig } from "../../config/sso.config";
import { ManualClock } from "../../time/clock";
import { SsoMethod } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { checkReturnUrl, vendorTokenPlaintext } from "./personify-login-url";
import { PersonifySsoMethod } from "./personify-sso.method";

const ORIGINS = ["https://members.example.org", "http://localhost:5173"];

function isRefusal(code: SsoErrorCode) {
  return (error: unknown) => error instanceof SsoError && error.code === code;
}

describe("checkReturnUrl", () => {
  it("accepts URLs on an allowed origin, as the browser would send them", () => {
    assert.equal(
      checkReturnUrl("https://members.example.org/sso/back?next=%2Fhome", ORIGINS),
      "https://members.example.org/sso/back?next=%2Fhome",
    );
    assert.equal(checkReturnUrl("https://MEMBERS.example.org:443/a", ORIGINS), "https://members.example.org/a");
    assert.equal(checkReturnUrl("http://localhost:5173/cb?x=a|b", ORIGINS), "http://localhost:5173/cb?x=a%7Cb");
  });

  it("refuses other origins and tricks that dress them up", () => {
    const refused = [
      "https://evil.example.net/",
      "https://members.example.org.evil.net/",
      "https://members.example.org@evil.net/",
      "https://user:pass@members.example.org/",
      "http://members.example.org/",
      "https://members.example.org:8443/",
      "//evil.example.net/",
      "/relative/path",
      "javascript:alert(1)",
      "data:text/html,hi",
      "https://members.example.org/back#frag",
      "https://members.example.org/back?ct=FORGED",
      `https://members.example.org/${"a".repeat(2100)}`,
      "not a url",
    ];
    for (const url of refused) assert.throws(() => checkReturnUrl(url, ORIGINS), isRefusal(SsoErrorCode.BAD_REQUEST), url);
  });
});

describe("vendorTokenPlaintext", () => {
  it("is the UTC timestamp and the return URL separated by |", () => {
    assert.equal(
      vendorTokenPlaintext(new Date("2026-03-01T09:05:07.042Z"), "https://members.example.org/back"),
      "20260301090507042|https://members.example.org/back",
    );
  });
});

describe("PersonifySsoMethod.buildLoginUrl", () => {
  let fake: FakePersonify;
  let method: PersonifySsoMethod;
  const clock = new ManualClock("2026-03-01T12:30:45.123Z");
  const config = (): PersonifySsoConfig => ({
    serviceUrl: fake.url,
    loginUrl: "https://sso.example.org/SSO/login.aspx",
    vendorId: "AMS GATE&1",
    vendorUsername: fake.vendorUsername,
    vendorPassword: fake.vendorPassword,
    vendorBlock: fake.vendorBlock,
    returnUrlOrigins: ORIGINS,
    timeoutMs: 2_000,
  });

  before(async () => {
    fake = await FakePersonify.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    method = new PersonifySsoMethod(config(), { clock });
  });

  it("sends the browser to login.aspx with the vendor id and a vendor token for the return URL", async () => {
    const loginUrl = await method.buildLoginUrl("https://members.example.org/sso/back?next=%2Fhome");
    const url = new URL(loginUrl);
    assert.equal(`${url.origin}${url.pathname}`, "https://sso.example.org/SSO/login.aspx");
    assert.equal(url.searchParams.get("vi"), "AMS GATE&1");
    assert.match(loginUrl, /\?vi=AMS\+GATE%261&vt=[0-9A-F]{64}$/, "parameters are URL-encoded");
    const vendorToken = url.searchParams.get("vt")!;
    assert.equal(fake.vendorTokenPlaintext(vendorToken), "20260301123045123|https://members.example.org/sso/back?next=%2Fhome");
    assert.equal(fake.calls[0]?.soapAction, '"http://TIMSSSSO/webservice/VendorTokenEncrypt"');
    assert.equal(fake.calls[0]?.parameters.vendorBlock, fake.vendorBlock);
  });

  it("completes the round trip: the ct Personify returns signs the member in", async () => {
    const loginUrl = await method.buildLoginUrl("https://members.example.org/sso/back?next=%2Fhome");
    const back = new URL(fake.completeLogin(loginUrl, "000055555|0"));
    assert.equal(back.searchParams.get("next"), "/home");
    const ct = back.searchParams.get("ct");
    assert.deepEqual(await method.resolve({ method: SsoMethod.PERSONIFY, token: ct }, { clientAddress: "::1" }), {
      memberKey: "000055555",
    });
  });

  it("refuses a return URL off the allow-list without calling Personify", async () => {
    await assert.rejects(method.buildLoginUrl("https://evil.example.net/steal"), isRefusal(SsoErrorCode.BAD_REQUEST));
    assert.equal(fake.calls.length, 0);
  });

  it("reports PROVIDER_UNAVAILABLE when Personify will not make a vendor token", async () => {
    fake.failNext({ kind: "errors", errors: ["Invalid vendor block."] });
    await assert.rejects(method.buildLoginUrl("https://members.example.org/"), isRefusal(SsoErrorCode.PROVIDER_UNAVAILABLE));
    fake.failNext({ kind: "fault" });
    await assert.rejects(method.buildLoginUrl("https://members.example.org/"), isRefusal(SsoErrorCode.PROVIDER_UNAVAILABLE));
    fake.failNext({
      kind: "raw",
      body:
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><VendorTokenEncryptResponse ' +
        'xmlns="http://TIMSSSSO/webservice"><VendorTokenEncryptResult><Errors/><VendorToken/></VendorTokenEncryptResult>' +
        "</VendorTokenEncryptResponse></soap:Body></soap:Envelope>",
    });
    await assert.rejects(method.buildLoginUrl("https://members.example.org/"), isRefusal(SsoErrorCode.PROVIDER_UNAVAILABLE));
  });
});
