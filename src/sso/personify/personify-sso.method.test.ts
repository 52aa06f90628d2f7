import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FakePersonify, type FakePersonifyStyle } from "../../../test/support/fake-personify";
import { readFixtureText } from "../../../test/support/fixture-files";
import type { PersonifySsoConfig } from "../../config/sso.config";
import { createLogger } from "../../observability/logger";
import { ManualClock } from "../../time/clock";
import { SsoMethod } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { PersonifySsoMethod } from "./personify-sso.method";

const REQUEST = { clientAddress: "203.0.113.9" };

function configFor(fake: FakePersonify, overrides: Partial<PersonifySsoConfig> = {}): PersonifySsoConfig {
  return {
    serviceUrl: fake.url,
    loginUrl: "https://sso.example.org/SSO/login.aspx",
    vendorId: "AMSGATE",
    vendorUsername: fake.vendorUsername,
    vendorPassword: fake.vendorPassword,
    vendorBlock: fake.vendorBlock,
    returnUrlOrigins: ["https://members.example.org"],
    timeoutMs: 2_000,
    ...overrides,
  };
}

async function refused(attempt: Promise<unknown>, code: SsoErrorCode): Promise<SsoError> {
  try {
    await attempt;
  } catch (error) {
    assert.ok(error instanceof SsoError, `expected SsoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a ${code} refusal, but the sign-on succeeded`);
}

describe("PersonifySsoMethod", () => {
  let fake: FakePersonify;
  let lines: string[];
  let method: PersonifySsoMethod;
  const resolve = (token: string | null | undefined, on = method) => on.resolve({ method: SsoMethod.PERSONIFY, token }, REQUEST);
  const build = (overrides: Partial<PersonifySsoConfig> = {}) =>
    new PersonifySsoMethod(configFor(fake, overrides), {
      clock: new ManualClock("2026-03-01T12:00:00Z"),
      logger: createLogger("info", { write: (line: string) => void lines.push(line) }),
    });

  before(async () => {
    fake = await FakePersonify.start({ vendorPassword: "p<a&s>s\"'w0rd" });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.style = "asmx";
    lines = [];
    method = build();
  });

  it("decrypts ct, checks it, and reads the member key with the new token", async () => {
    const ct = fake.issueCt("000012345|0");
    assert.deepEqual(await resolve(ct), { memberKey: "000012345" });
    assert.deepEqual(
      fake.calls.map((call) => call.operation),
      ["CustomerTokenDecrypt", "SSOCustomerTokenIsValid", "TIMSSCustomerIdentifierGet"],
    );
    const [decrypt, check, identify] = fake.calls as [(typeof fake.calls)[0], (typeof fake.calls)[0], (typeof fake.calls)[0]];
    assert.equal(decrypt.parameters.customerToken, ct);
    assert.equal(decrypt.parameters.vendorBlock, fake.vendorBlock);
    assert.equal(decrypt.parameters.vendorPassword, fake.vendorPassword, "secrets with XML specials arrive intact");
    assert.notEqual(identify.parameters.customerToken, check.parameters.customerToken, "the identifier is read with NewCustomerToken");
    for (const call of fake.calls) {
      assert.equal(call.soapAction, `"http://TIMSSSSO/webservice/${call.operation}"`);
      assert.match(call.contentType ?? "", /^text\/xml; charset=utf-8$/);
    }
  });

  for (const style of ["prefixed", "default-namespace"] satisfies FakePersonifyStyle[]) {
    it(`reads answers whatever namespace prefixes they use (${style})`, async () => {
      fake.style = style;
      assert.deepEqual(await resolve(fake.issueCt("77|1")), { memberKey: "77" });
    });
  }

  it("takes the whole identifier when it has no | part", async () => {
    assert.deepEqual(await resolve(fake.issueCt("M-9")), { memberKey: "M-9" });
  });

  it("refuses a ct used before: Personify tokens are single-use", async () => {
    const ct = fake.issueCt("000012345|0");
    await resolve(ct);
    await refused(resolve(ct), SsoErrorCode.INVALID_TOKEN);
    assert.equal(fake.calls.at(-1)?.operation, "SSOCustomerTokenIsValid");
  });

  it("refuses a ct Personify cannot decrypt, without echoing it or Personify's words", async () => {
    fake.failNext({ kind: "errors", errors: ["Unable to decrypt token DEADBEEFCAFE0001"] }, "CustomerTokenDecrypt");
    const error = await refused(resolve("DEADBEEFCAFE0001"), SsoErrorCode.INVALID_TOKEN);
    assert.doesNotMatch(error.message, /DEADBEEF|decrypt/i);
    assert.match(lines.join(""), /Unable to decrypt token \[redacted\]/, "the log keeps the error, minus the token");
    await refused(resolve("NEVER-ISSUED"), SsoErrorCode.INVALID_TOKEN);
  });

  it("asks for a token when none is given, and refuses oversized ones without a call", async () => {
    await refused(resolve(null), SsoErrorCode.BAD_REQUEST);
    await refused(resolve(" "), SsoErrorCode.BAD_REQUEST);
    await refused(resolve("A".repeat(5000)), SsoErrorCode.INVALID_TOKEN);
    await refused(resolve("AB CD"), SsoErrorCode.INVALID_TOKEN);
    assert.equal(fake.calls.length, 0);
  });

  it("refuses when the check says the token is no longer valid", async () => {
    fake.failNext({ kind: "errors", errors: ["Customer token has expired."] }, "SSOCustomerTokenIsValid");
    await refused(resolve(fake.issueCt("1|0")), SsoErrorCode.INVALID_TOKEN);
  });

  it("reports MEMBER_NOT_FOUND when Personify names no customer", async () => {
    await refused(resolve(fake.issueCt("|0")), SsoErrorCode.MEMBER_NOT_FOUND);
  });

  it("treats Valid without a NewCustomerToken as a broken provider", async () => {
    fake.failNext(
      {
        kind: "raw",
        body:
          '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
          '<SSOCustomerTokenIsValidResponse xmlns="http://TIMSSSSO/webservice"><SSOCustomerTokenIsValidResult>' +
          "<Errors /><Valid>true</Valid><NewCustomerToken /></SSOCustomerTokenIsValidResult>" +
          "</SSOCustomerTokenIsValidResponse></soap:Body></soap:Envelope>",
      },
      "SSOCustomerTokenIsValid",
    );
    await refused(resolve(fake.issueCt("1|0")), SsoErrorCode.PROVIDER_UNAVAILABLE);
  });

  const outages: Array<[string, Parameters<FakePersonify["failNext"]>[0]]> = [
    ["a SOAP fault", { kind: "fault", message: "Object reference not set to an instance of an object." }],
    ["an HTTP 500 that is not a fault", { kind: "http", status: 500 }],
    ["an HTTP 503", { kind: "http", status: 503 }],
    ["an HTTP 404 page", { kind: "http", status: 404, body: "<html><body>Not Found</body></html>" }],
    ["malformed XML", { kind: "malformed" }],
    [
      "an answer in the wrong namespace",
      {
        kind: "raw",
        body:
          '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
          '<CustomerTokenDecryptResponse xmlns="http://example.org/other"><CustomerTokenDecryptResult><Errors/>' +
          "<CustomerToken>X</CustomerToken></CustomerTokenDecryptResult></CustomerTokenDecryptResponse></soap:Body></soap:Envelope>",
      },
    ],
    [
      "a SOAP 1.2 envelope",
      { kind: "raw", body: '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>' },
    ],
    ["a prefix never declared", { kind: "raw", body: "<soap:Envelope><soap:Body/></soap:Envelope>" }],
    ["a DTD", { kind: "raw", body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>' }],
    ["an empty answer", { kind: "raw", body: "" }],
  ];
  for (const [name, mishap] of outages) {
    it(`reports PROVIDER_UNAVAILABLE for ${name}`, async () => {
      fake.failNext(mishap);
      const error = await refused(resolve(fake.issueCt("1|0")), SsoErrorCode.PROVIDER_UNAVAILABLE);
      assert.doesNotMatch(error.message, /Object reference|Not Found|html/);
      assert.match(lines.join(""), /"level":"warn"/);
    });
  }

  it("gives up after its timeout when Personify does not answer", async () => {
    const impatient = build({ timeoutMs: 150 });
    fake.failNext({ kind: "hang" });
    const started = Date.now();
    await refused(resolve(fake.issueCt("1|0"), impatient), SsoErrorCode.PROVIDER_UNAVAILABLE);
    assert.ok(Date.now() - started < 1_500, "the timeout bounds the wait");
  });

  it("reports PROVIDER_UNAVAILABLE when nothing listens", async () => {
    const gone = await FakePersonify.start();
    await gone.close();
    await refused(resolve("ANY", build({ serviceUrl: gone.url })), SsoErrorCode.PROVIDER_UNAVAILABLE);
  });

  it("reports wrong vendor credentials as unavailable, never echoing them", async () => {
    const misconfigured = build({ vendorPassword: "WRONG-PASSWORD-123" });
    const error = await refused(resolve(fake.issueCt("1|0"), misconfigured), SsoErrorCode.PROVIDER_UNAVAILABLE);
    assert.doesNotMatch(error.message, /WRONG-PASSWORD/);
    const logged = lines.join("\n");
    assert.ok(!logged.includes("WRONG-PASSWORD") && !logged.includes(fake.vendorBlock), "no vendor secrets in logs");
    assert.match(logged, /"faultCode":"soap:Server"/);
  });
});

describe("PersonifySsoMethod on recorded answers", () => {
  const VENDOR = {
    vendorUsername: "amsgate-vendor",
    vendorPassword: "F00DFACE0123456789ABCDEF00000001",
    vendorBlock: "00112233445566778899AABBCCDDEEFF",
  };
  const fixture = (name: string) => readFixtureText(`personify/__fixtures__/${name}`);
  let fake: FakePersonify;

  before(async () => {
    fake = await FakePersonify.start(VENDOR);
  });
  after(() => fake.close());

  it("signs a member in from the recorded answers alone", async () => {
    for (const name of ["customer-token-decrypt", "sso-customer-token-is-valid", "timss-customer-identifier-get"]) {
      fake.failNext({ kind: "raw", body: fixture(`${name}.response.xml`) });
    }
    const method = new PersonifySsoMethod(
      {
        serviceUrl: fake.url,
        loginUrl: "https://sso.example.org/SSO/login.aspx",
        vendorId: "V",
        ...VENDOR,
        returnUrlOrigins: [],
        timeoutMs: 2_000,
      },
      { clock: new ManualClock("2026-03-01T00:00:00Z") },
    );
    assert.deepEqual(await method.resolve({ method: SsoMethod.PERSONIFY, token: "CT" }, { clientAddress: "::1" }), {
      memberKey: "000012345",
    });
    assert.equal(fake.calls[2]?.parameters.customerToken, "7E2A91C4D05B38F6A1C9E7D3B5F20486", "the new token is used after the check");
  });
});
