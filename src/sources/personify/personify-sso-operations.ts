import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import type { Credentials } from "../ams-source";
import { SourceError, SourceErrorCode } from "../source.error";

/** The Personify single sign-on web service's namespace and SOAPAction prefix (contracts §4). */
const SSO_NAMESPACE = "http://TIMSSSSO/webservice";
const SOAP_NAMESPACE = "http://schemas.xmlsoap.org/soap/envelope/";
const MAX_ANSWER_CHARS = 256 * 1024;

export type SignOnOperation = "CustomerAuthenticateAndGetId" | "SSOCustomerGetByEmail";

/** Where and as whom the sign-on calls are made. */
export interface PersonifySignOnSettings {
  /** `…/SSO/webservice/service.asmx`. */
  serviceUrl: string;
  vendorUsername: string;
  vendorPassword: string;
  /** Per SOAP call. */
  timeoutMs: number;
  /** A username holding `@` is looked up with `SSOCustomerGetByEmail` first. */
  emailLookup: boolean;
}

type Result = Record<string, unknown>;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: false, suppressEmptyNode: false });
// Prefixes are dropped (senders choose their own); the structure Envelope/Body/<Op>Response/<Op>Result is checked instead.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string =>
  typeof value === "string" ? value.trim() : isObject(value) && typeof value["#text"] === "string" ? value["#text"].trim() : "";
const yes = (value: unknown) => text(value).toLowerCase() === "true";

/**
 * The two credential calls of the Personify single sign-on web service that the source uses
 * (contracts §4), over SOAP 1.1 with the vendor credentials in every body. Messages name the
 * operation and what came back, never the values sent. Redirects are refused so the credentials
 * never travel to another address.
 */
export class PersonifySignOnClient {
  private readonly fetch: typeof fetch;

  constructor(
    private readonly settings: PersonifySignOnSettings,
    deps: { fetch?: typeof fetch } = {},
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
  }

  /** `CustomerAuthenticateAndGetId`: `Result` and `CustomerId`. */
  async authenticateAndGetId(userName: string, password: string): Promise<Result> {
    return this.call("CustomerAuthenticateAndGetId", [
      ["customerUserName", userName],
      ["customerPassword", password],
    ]);
  }

  /** `SSOCustomerGetByEmail`: `UserExists`, `UserName`, `Email`, `DisableAccountFlag`. */
  async customerByEmail(email: string): Promise<Result> {
    return this.call("SSOCustomerGetByEmail", [["EmailAddress", email]]);
  }

  private async call(operation: SignOnOperation, parameters: ReadonlyArray<readonly [string, string]>): Promise<Result> {
    const body: Record<string, unknown> = {
      "@_xmlns": SSO_NAMESPACE,
      vendorUsername: this.settings.vendorUsername,
      vendorPassword: this.settings.vendorPassword,
    };
    for (const [name, value] of parameters) body[name] = value;
    const envelope = builder.build({ "soap:Envelope": { "@_xmlns:soap": SOAP_NAMESPACE, "soap:Body": { [operation]: body } } }) as string;
    const { status, answer } = await this.post(operation, `<?xml version="1.0" encoding="utf-8"?>${envelope}`);
    const call = `Personify ${operation}`;
    const parsed = parse(answer);
    const soapBody = isObject(parsed) && isObject(parsed.Envelope) ? parsed.Envelope.Body : undefined;
    if (isObject(soapBody) && isObject(soapBody.Fault)) {
      const fault = soapBody.Fault;
      throw new SourceError(
        SourceErrorCode.TEMPORARY,
        `${call}: SOAP fault ${text(fault.faultcode)}: ${text(fault.faultstring).slice(0, 200)}`,
      );
    }
    if (status === 429 || status >= 500) throw new SourceError(SourceErrorCode.TEMPORARY, `${call}: HTTP ${status}`);
    if (status !== 200)
      throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${call}: HTTP ${status}; check PERSONIFY_AUTH_URL (or PERSONIFY_SSO_URL)`);
    const response = isObject(soapBody) ? soapBody[`${operation}Response`] : undefined;
    const result = isObject(response) ? response[`${operation}Result`] : undefined;
    if (!isObject(result)) {
      const found = isObject(soapBody) ? Object.keys(soapBody).join(", ") || "an empty Body" : "no SOAP Body";
      throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${call}: expected ${operation}Response/${operation}Result, got ${found}`);
    }
    return result;
  }

  private async post(operation: SignOnOperation, body: string): Promise<{ status: number; answer: string }> {
    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const response = await this.fetch(this.settings.serviceUrl, {
        method: "POST",
        headers: { "content-type": "text/xml; charset=utf-8", soapaction: `"${SSO_NAMESPACE}/${operation}"` },
        body,
        redirect: "error",
        signal,
      });
      const answer = await response.text();
      if (answer.length > MAX_ANSWER_CHARS)
        throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `Personify ${operation}: the answer is larger than allowed`);
      return { status: response.status, answer };
    } catch (error) {
      if (error instanceof SourceError) throw error;
      const detail = signal.aborted ? `no answer within ${this.settings.timeoutMs} ms` : "the service could not be reached";
      throw new SourceError(SourceErrorCode.TEMPORARY, `Personify ${operation}: ${detail}`, { cause: error });
    }
  }
}

function parse(answer: string): unknown {
  if (answer.trim() === "") return undefined;
  if (/<!DOCTYPE/i.test(answer) || XMLValidator.validate(answer) !== true) {
    throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "Personify sign-on: the answer is not well-formed XML");
  }
  return parser.parse(answer) as unknown;
}

/** The `Errors` strings of a result (`<Errors><string>…</string></Errors>`). */
function errorsOf(result: Result): string[] {
  const errors = result.Errors;
  if (!isObject(errors)) return [];
  const strings = errors.string;
  return (Array.isArray(strings) ? strings : [strings]).map(text).filter((line) => line !== "");
}

const refused = (why: string) => new SourceError(SourceErrorCode.AUTH_REJECTED, `Personify refused the sign-on: ${why}`);

/**
 * A member's credentials to their member key. A username that is an e-mail address is first
 * turned into the Personify username (`SSOCustomerGetByEmail`; an unknown or disabled account is
 * refused), then `CustomerAuthenticateAndGetId` checks the password; the member key is the
 * customer id up to its first `|` (master customer id, as `TIMSSCustomerIdentifierGet` is read).
 */
export async function authenticateCustomer(
  client: PersonifySignOnClient,
  settings: PersonifySignOnSettings,
  credentials: Credentials,
): Promise<string> {
  let userName = credentials.username;
  if (settings.emailLookup && userName.includes("@")) {
    const found = await client.customerByEmail(userName);
    if (!yes(found.UserExists)) throw refused("no account has this e-mail address");
    if (yes(found.DisableAccountFlag)) throw refused("the account is disabled");
    userName = text(found.UserName);
    if (userName === "")
      throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "Personify SSOCustomerGetByEmail: UserExists without a UserName");
  }
  const checked = await client.authenticateAndGetId(userName, credentials.password);
  const errors = errorsOf(checked);
  if (!yes(checked.Result)) throw refused(errors.length > 0 ? errors.join("; ").slice(0, 200) : "Result false");
  const memberKey = text(checked.CustomerId).split("|")[0]!.trim();
  if (memberKey === "")
    throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "Personify CustomerAuthenticateAndGetId: Result true without a CustomerId");
  return memberKey;
}
