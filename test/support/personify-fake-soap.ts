import { XMLParser } from "fast-xml-parser";

const SSO_NS = "http://TIMSSSSO/webservice";
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** A web account Personify knows: what the two credential calls answer for it. */
export interface FakeWebLogin {
  userName: string;
  password: string;
  email: string;
  /** The CustomerId `CustomerAuthenticateAndGetId` returns, e.g. `000000123|0`. */
  customerId: string;
  disabled?: boolean;
}

export interface SoapCall {
  operation: string;
  soapAction: string | undefined;
  parameters: Record<string, string>;
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function envelope(operation: string, fields: Record<string, string | boolean>, errors: string[] = []): string {
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join("");
  const errorList =
    errors.length === 0 ? "<Errors />" : `<Errors>${errors.map((error) => `<string>${escapeXml(error)}</string>`).join("")}</Errors>`;
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
    `<${operation}Response xmlns="${SSO_NS}"><${operation}Result>${errorList}${inner}</${operation}Result></${operation}Response></soap:Body></soap:Envelope>`
  );
}

const fault = (message: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault></soap:Body></soap:Envelope>`;

/**
 * The two credential operations of the Personify single sign-on web service (contracts §4), for
 * the fake: vendor credentials checked on every call, answers in the ASMX envelope.
 */
export class FakePersonifySignOn {
  readonly logins: FakeWebLogin[] = [];
  readonly calls: SoapCall[] = [];

  constructor(
    readonly vendorUsername: string,
    readonly vendorPassword: string,
  ) {}

  answer(body: string, soapAction: string | undefined): { status: number; body: string } {
    const doc = parser.parse(body) as { Envelope?: { Body?: Record<string, Record<string, unknown>> } };
    const [operation, request] = Object.entries(doc.Envelope?.Body ?? {})[0] ?? [];
    if (operation === undefined || request === undefined) return { status: 500, body: fault("Request format is invalid.") };
    const parameters = Object.fromEntries(Object.entries(request).map(([name, value]) => [name, String(value ?? "")]));
    this.calls.push({ operation, soapAction, parameters });
    if (soapAction !== `"${SSO_NS}/${operation}"`)
      return { status: 500, body: fault(`Server did not recognize the value of HTTP Header SOAPAction: ${soapAction}.`) };
    if (parameters.vendorUsername !== this.vendorUsername || parameters.vendorPassword !== this.vendorPassword) {
      return { status: 200, body: envelope(operation, {}, ["Invalid vendor credentials"]) };
    }
    if (operation === "CustomerAuthenticateAndGetId") {
      const login = this.logins.find((entry) => entry.userName.toLowerCase() === parameters.customerUserName?.toLowerCase());
      const ok = login !== undefined && login.password === parameters.customerPassword && !login.disabled;
      return {
        status: 200,
        body: envelope(operation, { Result: ok, CustomerId: ok ? login.customerId : "" }, ok ? [] : ["Invalid user name or password."]),
      };
    }
    if (operation === "SSOCustomerGetByEmail") {
      const login = this.logins.find((entry) => entry.email.toLowerCase() === parameters.EmailAddress?.toLowerCase());
      if (!login)
        return { status: 200, body: envelope(operation, { UserExists: false, UserName: "", Email: "", DisableAccountFlag: false }) };
      return {
        status: 200,
        body: envelope(operation, {
          UserExists: true,
          UserName: login.userName,
          Email: login.email,
          DisableAccountFlag: login.disabled ?? false,
        }),
      };
    }
    return { status: 500, body: fault(`Server did not recognize the operation ${operation}.`) };
  }
}
