import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FakePersonify, type FakePersonifyMishap } from "../../../test/support/fake-personify";
import { readFixtureText } from "../../../test/support/fixture-files";
import { PersonifyCallError, type PersonifyFailureKind, PersonifySoapClient, resultText } from "./personify-soap.client";

const fixture = (name: string) => readFixtureText(`personify/__fixtures__/${name}`);

const VENDOR = {
  vendorUsername: "amsgate-vendor",
  vendorPassword: "F00DFACE0123456789ABCDEF00000001",
  vendorBlock: "00112233445566778899AABBCCDDEEFF",
};

async function failsWith(attempt: Promise<unknown>, kind: PersonifyFailureKind): Promise<PersonifyCallError> {
  try {
    await attempt;
  } catch (error) {
    assert.ok(error instanceof PersonifyCallError, `expected PersonifyCallError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected a ${kind} failure, but the call succeeded`);
}

describe("PersonifySoapClient", () => {
  let fake: FakePersonify;
  let client: PersonifySoapClient;
  const decrypt = (token = "9F2C4E7A1B3D5F60718293A4B5C6D7E8F9A0B1C2D3E4F506", on = client) =>
    on.call("CustomerTokenDecrypt", [
      ["vendorBlock", VENDOR.vendorBlock],
      ["customerToken", token],
    ]);

  before(async () => {
    fake = await FakePersonify.start(VENDOR);
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    client = new PersonifySoapClient({ serviceUrl: fake.url, ...VENDOR, timeoutMs: 2_000 });
  });

  it("sends exactly the recorded request envelope", async () => {
    fake.failNext({ kind: "raw", body: fixture("customer-token-decrypt.response.xml") });
    await decrypt();
    assert.equal(fake.calls[0]?.rawBody, fixture("customer-token-decrypt.request.xml").trimEnd());
    const url = "20260301123045123|https://members.example.org/sso/back?next=%2Fhome&lang=en";
    fake.failNext({ kind: "raw", body: fixture("vendor-token-encrypt.response.xml") });
    await client.call("VendorTokenEncrypt", [
      ["vendorBlock", VENDOR.vendorBlock],
      ["url", url],
    ]);
    assert.equal(fake.calls[1]?.rawBody, fixture("vendor-token-encrypt.request.xml").trimEnd());
    assert.equal(fake.calls[1]?.parameters.url, url, "the & survives escaping");
  });

  it("reads the recorded result elements", async () => {
    const cases: Array<[string, () => Promise<unknown>, string, string]> = [
      ["customer-token-decrypt.response.xml", () => decrypt(), "CustomerToken", "4B1D7A0C9E3F2A6B8C5D1E0F7A9B3C2D"],
      [
        "sso-customer-token-is-valid.response.xml",
        () => client.call("SSOCustomerTokenIsValid", [["customerToken", "X"]]),
        "NewCustomerToken",
        "7E2A91C4D05B38F6A1C9E7D3B5F20486",
      ],
      [
        "sso-customer-token-is-valid.invalid.response.xml",
        () => client.call("SSOCustomerTokenIsValid", [["customerToken", "X"]]),
        "Valid",
        "false",
      ],
      [
        "timss-customer-identifier-get.response.xml",
        () => client.call("TIMSSCustomerIdentifierGet", [["customerToken", "X"]]),
        "CustomerIdentifier",
        "000012345|0",
      ],
      [
        "vendor-token-encrypt.response.xml",
        () =>
          client.call("VendorTokenEncrypt", [
            ["vendorBlock", "B"],
            ["url", "U"],
          ]),
        "VendorToken",
        "8C41F0A2B7D93E65C18A4F2D07B9E3A15C6D8F02B4A7E913C5D0F86A2B4E7C91",
      ],
    ];
    for (const [name, call, element, expected] of cases) {
      fake.failNext({ kind: "raw", body: fixture(name) });
      const result = (await call()) as Parameters<typeof resultText>[0];
      assert.equal(resultText(result, element), expected, name);
    }
  });

  it("fails a call whose Errors list is not empty, keeping the errors", async () => {
    fake.failNext({ kind: "raw", body: fixture("customer-token-decrypt.errors.response.xml") });
    const error = await failsWith(decrypt(), "errors");
    assert.deepEqual(error.errors, ["Unable to decrypt customer token.", "Padding is invalid and cannot be removed."]);
  });

  it("reports a recorded SOAP fault with its code", async () => {
    fake.failNext({ kind: "raw", status: 500, body: fixture("soap-fault.response.xml") });
    const error = await failsWith(decrypt(), "fault");
    assert.equal(error.faultCode, "soap:Server");
    assert.match(error.message, /Object reference not set/);
  });

  const failures: Array<[string, FakePersonifyMishap, PersonifyFailureKind]> = [
    ["HTTP 503 with an HTML page", { kind: "http", status: 503 }, "unavailable"],
    ["HTTP 500 with no body", { kind: "raw", status: 500, body: "" }, "unavailable"],
    [
      "HTTP 200 with a result but not OK",
      { kind: "raw", status: 202, body: fixture("customer-token-decrypt.response.xml") },
      "unavailable",
    ],
    ["truncated XML", { kind: "malformed" }, "malformed"],
    ["a well-formed document that is not an envelope", { kind: "raw", body: "<html><body>maintenance</body></html>" }, "malformed"],
    ["the wrong operation's response", { kind: "raw", body: fixture("vendor-token-encrypt.response.xml") }, "malformed"],
    ["a document type declaration", { kind: "raw", body: '<!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>' }, "malformed"],
    ["an answer too large", { kind: "raw", body: `<x>${"a".repeat(300 * 1024)}</x>` }, "malformed"],
  ];
  for (const [name, mishap, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      fake.failNext(mishap);
      await failsWith(decrypt(), kind);
    });
  }

  it("classifies a timeout as unavailable", async () => {
    fake.failNext({ kind: "hang" });
    const impatient = new PersonifySoapClient({ serviceUrl: fake.url, ...VENDOR, timeoutMs: 100 });
    const error = await failsWith(decrypt(undefined, impatient), "unavailable");
    assert.match(error.message, /no answer within 100 ms/);
  });

  it("refuses to follow a redirect with the vendor credentials", async () => {
    // A 307 keeps method and body: following it would post the vendor credentials to the new place.
    fake.failNext({ kind: "redirect", location: `${fake.url}?elsewhere` });
    await failsWith(decrypt(), "unavailable");
    assert.equal(fake.calls.length, 1, "the redirect was not followed");
  });

  it("never puts the values it sent in its error messages", async () => {
    fake.failNext({ kind: "fault", message: "boom" });
    const error = await failsWith(decrypt("SECRET-CUSTOMER-TOKEN"), "fault");
    for (const secret of ["SECRET-CUSTOMER-TOKEN", VENDOR.vendorPassword, VENDOR.vendorBlock]) assert.ok(!error.message.includes(secret));
  });
});
