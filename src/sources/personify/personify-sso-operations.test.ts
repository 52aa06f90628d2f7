import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { readFixtureText } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { authenticateCustomer, PersonifySignOnClient, type PersonifySignOnSettings } from "./personify-sso-operations";

const SETTINGS: PersonifySignOnSettings = {
  serviceUrl: "https://sso.example.org/SSO/webservice/service.asmx",
  vendorUsername: "vendor",
  vendorPassword: "vendor-secret",
  timeoutMs: 2_000,
  emailLookup: true,
};

function replay(answers: Array<{ status?: number; fixture: string }>) {
  const requests: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const fetchFake = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), headers: init!.headers as Record<string, string>, body: String(init!.body) });
    const answer = answers[requests.length - 1];
    if (!answer) throw new Error("no recorded answer left");
    return new Response(readFixtureText(`personify/__fixtures__/${answer.fixture}`), {
      status: answer.status ?? 200,
      headers: { "content-type": "text/xml" },
    });
  }) as typeof globalThis.fetch;
  return { fetch: fetchFake, requests };
}

const parse = (body: string) =>
  new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(body) as {
    Envelope: { Body: Record<string, Record<string, string>> };
  };

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("Personify sign-on operations", () => {
  it("checks a username and password with CustomerAuthenticateAndGetId; the member key is the id before |", async () => {
    const { fetch, requests } = replay([{ fixture: "customer-authenticate-and-get-id.response.xml" }]);
    const key = await authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch }), SETTINGS, {
      username: "alovelace",
      password: "pw<&>",
    });
    assert.equal(key, "000000101");
    assert.equal(requests[0]!.headers.soapaction, '"http://TIMSSSSO/webservice/CustomerAuthenticateAndGetId"');
    assert.equal(requests[0]!.headers["content-type"], "text/xml; charset=utf-8");
    const sent = parse(requests[0]!.body).Envelope.Body.CustomerAuthenticateAndGetId!;
    assert.deepEqual(sent, {
      vendorUsername: "vendor",
      vendorPassword: "vendor-secret",
      customerUserName: "alovelace",
      customerPassword: "pw<&>",
    });
  });

  it("turns an e-mail address into the username with SSOCustomerGetByEmail first", async () => {
    const { fetch, requests } = replay([
      { fixture: "sso-customer-get-by-email.response.xml" },
      { fixture: "customer-authenticate-and-get-id.response.xml" },
    ]);
    const key = await authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch }), SETTINGS, {
      username: "ada@example.org",
      password: "pw",
    });
    assert.equal(key, "000000101");
    assert.equal(parse(requests[0]!.body).Envelope.Body.SSOCustomerGetByEmail!.EmailAddress, "ada@example.org");
    assert.equal(parse(requests[1]!.body).Envelope.Body.CustomerAuthenticateAndGetId!.customerUserName, "alovelace");
    const off = replay([{ fixture: "customer-authenticate-and-get-id.response.xml" }]);
    await authenticateCustomer(
      new PersonifySignOnClient(SETTINGS, { fetch: off.fetch }),
      { ...SETTINGS, emailLookup: false },
      { username: "ada@example.org", password: "pw" },
    );
    assert.equal(off.requests.length, 1, "with the lookup off the address is the username");
  });

  it("a refused password or a disabled account is AUTH_REJECTED, and the message never holds the password", async () => {
    const refused = replay([{ fixture: "customer-authenticate-and-get-id.refused.response.xml" }]);
    const error = await rejection(
      authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch: refused.fetch }), SETTINGS, {
        username: "alovelace",
        password: "hunter2",
      }),
    );
    assert.equal(error.code, SourceErrorCode.AUTH_REJECTED);
    assert.equal(error.message, "Personify refused the sign-on: Invalid user name or password.");
    const disabled = replay([{ fixture: "sso-customer-get-by-email.disabled.response.xml" }]);
    const locked = await rejection(
      authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch: disabled.fetch }), SETTINGS, {
        username: "charles@example.org",
        password: "hunter2",
      }),
    );
    assert.deepEqual(
      [locked.code, locked.message],
      [SourceErrorCode.AUTH_REJECTED, "Personify refused the sign-on: the account is disabled"],
    );
    assert.equal(disabled.requests.length, 1, "no password check for a disabled account");
  });

  it("a SOAP fault or a 5xx is TEMPORARY; an answer of the wrong shape is a CONTRACT_VIOLATION", async () => {
    const faulted = replay([{ status: 500, fixture: "soap-fault.response.xml" }]);
    const fault = await rejection(
      authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch: faulted.fetch }), SETTINGS, { username: "a", password: "b" }),
    );
    assert.equal(fault.code, SourceErrorCode.TEMPORARY);
    assert.match(
      fault.message,
      /^Personify CustomerAuthenticateAndGetId: SOAP fault soap:Server: Server was unable to process request\. ---> Object reference/,
    );
    const wrong = replay([{ fixture: "sso-customer-get-by-email.response.xml" }]);
    const shape = await rejection(
      authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch: wrong.fetch }), SETTINGS, { username: "a", password: "b" }),
    );
    assert.equal(shape.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(
      shape.message,
      /expected CustomerAuthenticateAndGetIdResponse\/CustomerAuthenticateAndGetIdResult, got SSOCustomerGetByEmailResponse/,
    );
    const html = replay([{ status: 200, fixture: "error-401.html" }]);
    assert.equal(
      (
        await rejection(
          authenticateCustomer(new PersonifySignOnClient(SETTINGS, { fetch: html.fetch }), SETTINGS, { username: "a", password: "b" }),
        )
      ).code,
      SourceErrorCode.CONTRACT_VIOLATION,
    );
  });
});
