import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { XMLParser } from "fast-xml-parser";

const SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/";
const PERSONIFY_NS = "http://TIMSSSSO/webservice";

/** How the fake spells its answers, to prove clients resolve namespaces rather than match prefixes. */
export type FakePersonifyStyle = "asmx" | "prefixed" | "default-namespace";

/** A misbehaviour to serve instead of the normal answer. */
export type FakePersonifyMishap =
  | { kind: "errors"; errors: string[] }
  | { kind: "fault"; code?: string; message?: string }
  | { kind: "http"; status: number; body?: string }
  | { kind: "malformed" }
  | { kind: "raw"; status?: number; body: string }
  /** A 307 to `location`. */
  | { kind: "redirect"; location: string }
  /** Never answer; the request is held until the client gives up or the fake closes. */
  | { kind: "hang" };

export interface FakePersonifyOptions {
  vendorUsername?: string;
  vendorPassword?: string;
  vendorBlock?: string;
  style?: FakePersonifyStyle;
}

export interface RecordedSoapCall {
  operation: string;
  soapAction: string | undefined;
  contentType: string | undefined;
  /** Parameter elements of the operation, by local name. */
  parameters: Record<string, string>;
  rawBody: string;
  /** The raw answer sent, empty for a hang. */
  rawResponse: string;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, trimValues: true });

/**
 * A Personify single sign-on web service (contracts §4) on 127.0.0.1, port 0, for tests: parses
 * the SOAP envelopes, checks SOAPAction and vendor credentials, and keeps Personify's token rules.
 * A `ct` decrypts to a customer token; `SSOCustomerTokenIsValid` consumes a customer token and
 * issues a new one, so every token works for exactly one check.
 */
export class FakePersonify {
  readonly calls: RecordedSoapCall[] = [];
  readonly vendorUsername: string;
  readonly vendorPassword: string;
  readonly vendorBlock: string;
  style: FakePersonifyStyle;
  private readonly cts = new Map<string, string>();
  /** Customer tokens that are still good, to the identifier they stand for. */
  private readonly live = new Map<string, string>();
  private readonly vendorTokens = new Map<string, string>();
  private readonly mishaps: Array<{ operation: string | undefined; mishap: FakePersonifyMishap }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: FakePersonifyOptions,
  ) {
    this.vendorUsername = options.vendorUsername ?? "amsgate-vendor";
    this.vendorPassword = options.vendorPassword ?? "F00DFACE0123456789ABCDEF00000001";
    this.vendorBlock = options.vendorBlock ?? "00112233445566778899AABBCCDDEEFF";
    this.style = options.style ?? "asmx";
  }

  static async start(options: FakePersonifyOptions = {}): Promise<FakePersonify> {
    let fake: FakePersonify | undefined;
    const server = createServer((request, response) => void fake!.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakePersonify(server, `http://127.0.0.1:${port}/SSO/webservice/service.asmx`, options);
    return fake;
  }

  /** What Personify appends to the return URL after `identifier` (e.g. `000012345|0`) signs in. */
  issueCt(identifier: string): string {
    const ct = randomBytes(24).toString("hex").toUpperCase();
    const customerToken = randomBytes(16).toString("hex").toUpperCase();
    this.cts.set(ct, customerToken);
    this.live.set(customerToken, identifier);
    return ct;
  }

  /** The browser's round trip through `login.aspx?vi=…&vt=…`: the return URL with `ct` appended. */
  completeLogin(loginUrl: string, identifier: string): string {
    const vendorToken = new URL(loginUrl).searchParams.get("vt") ?? "";
    const plaintext = this.vendorTokens.get(vendorToken);
    if (plaintext === undefined) throw new Error("login.aspx: unknown vendor token");
    const returnUrl = new URL(plaintext.slice(plaintext.indexOf("|") + 1));
    returnUrl.searchParams.set("ct", this.issueCt(identifier));
    return returnUrl.href;
  }

  /** What `VendorTokenEncrypt` was asked to encrypt for this vendor token. */
  vendorTokenPlaintext(vendorToken: string): string | undefined {
    return this.vendorTokens.get(vendorToken);
  }

  /** Serve `mishap` for the next call (to `operation`, or to any operation when omitted). */
  failNext(mishap: FakePersonifyMishap, operation?: string): void {
    this.mishaps.push({ operation, mishap });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const call: RecordedSoapCall = {
      operation: "",
      soapAction: request.headers.soapaction as string | undefined,
      contentType: request.headers["content-type"],
      parameters: {},
      rawBody,
      rawResponse: "",
    };
    this.calls.push(call);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      call.rawResponse = body;
      response.writeHead(status, { "Content-Type": "text/xml; charset=utf-8", ...headers }).end(body);
    };
    if (request.method !== "POST" || !call.contentType?.startsWith("text/xml")) {
      return send(415, fault("soap:Client", "expected a POST of text/xml"));
    }
    const parsed = parseRequest(rawBody);
    if (typeof parsed === "string") return send(500, fault("soap:Client", parsed));
    call.operation = parsed.operation;
    call.parameters = parsed.parameters;
    if (call.soapAction?.replaceAll('"', "") !== `${PERSONIFY_NS}/${parsed.operation}`) {
      return send(500, fault("soap:Client", `Server did not recognize the value of HTTP Header SOAPAction: ${call.soapAction ?? ""}.`));
    }
    const [first, second] = Object.keys(parsed.parameters);
    if (first !== "vendorUsername" || second !== "vendorPassword") {
      return send(500, fault("soap:Client", "vendorUsername and vendorPassword must come first, in that order."));
    }
    const index = this.mishaps.findIndex((entry) => entry.operation === undefined || entry.operation === parsed.operation);
    if (index >= 0) {
      const { mishap } = this.mishaps.splice(index, 1)[0]!;
      return this.misbehave(mishap, parsed.operation, send);
    }
    if (parsed.parameters.vendorUsername !== this.vendorUsername || parsed.parameters.vendorPassword !== this.vendorPassword) {
      return send(500, fault("soap:Server", "Vendor authentication failed."));
    }
    const answer = this.answer(parsed.operation, parsed.parameters);
    if (answer === undefined) return send(500, fault("soap:Client", `Unknown operation ${parsed.operation}.`));
    send(200, this.envelope(parsed.operation, answer));
  }

  private misbehave(
    mishap: FakePersonifyMishap,
    operation: string,
    send: (status: number, body: string, headers?: Record<string, string>) => void,
  ): void {
    switch (mishap.kind) {
      case "errors":
        return send(200, this.envelope(operation, { errors: mishap.errors, fields: [] }));
      case "fault":
        return send(500, fault(mishap.code ?? "soap:Server", mishap.message ?? "Server was unable to process request."));
      case "http":
        return send(mishap.status, mishap.body ?? "<html><body>Service Unavailable</body></html>");
      case "malformed":
        return send(200, `<?xml version="1.0"?><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><${operation}Response>`);
      case "raw":
        return send(mishap.status ?? 200, mishap.body);
      case "redirect":
        return send(307, "", { Location: mishap.location });
      case "hang":
        return;
    }
  }

  private answer(operation: string, p: Record<string, string>): { errors: string[]; fields: Array<[string, string]> } | undefined {
    const ok = (fields: Array<[string, string]>) => ({ errors: [], fields });
    const failed = (message: string) => ({ errors: [message], fields: [] });
    const blockOk = p.vendorBlock === this.vendorBlock;
    switch (operation) {
      case "CustomerTokenDecrypt": {
        if (!blockOk) return failed("Invalid vendor block.");
        const token = this.cts.get(p.customerToken ?? "");
        return token === undefined ? failed("Unable to decrypt customer token.") : ok([["CustomerToken", token]]);
      }
      case "VendorTokenEncrypt": {
        if (!blockOk) return failed("Invalid vendor block.");
        const vendorToken = randomBytes(32).toString("hex").toUpperCase();
        this.vendorTokens.set(vendorToken, p.url ?? "");
        return ok([["VendorToken", vendorToken]]);
      }
      case "SSOCustomerTokenIsValid":
        return ok(this.check(p.customerToken ?? ""));
      case "TIMSSCustomerIdentifierGet": {
        const token = p.customerToken ?? "";
        const identifier = this.live.get(token);
        return identifier === undefined ? failed("Invalid customer token.") : ok([["CustomerIdentifier", identifier]]);
      }
      default:
        return undefined;
    }
  }

  /** Consumes the token: the old one is dead for every call from now on, a new one takes its place. */
  private check(token: string): Array<[string, string]> {
    const identifier = this.live.get(token);
    if (identifier === undefined)
      return [
        ["Valid", "false"],
        ["NewCustomerToken", ""],
      ];
    this.live.delete(token);
    const next = randomBytes(16).toString("hex").toUpperCase();
    this.live.set(next, identifier);
    return [
      ["Valid", "true"],
      ["NewCustomerToken", next],
    ];
  }

  private envelope(operation: string, result: { errors: string[]; fields: Array<[string, string]> }): string {
    const errors = result.errors.map((text) => `<string>${escapeXml(text)}</string>`).join("");
    const fields = result.fields.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join("");
    const inner = `<Errors>${errors}</Errors>${fields}`;
    switch (this.style) {
      case "asmx":
        return (
          `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}" ` +
          `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
          `<soap:Body><${operation}Response xmlns="${PERSONIFY_NS}"><${operation}Result>${inner}` +
          `</${operation}Result></${operation}Response></soap:Body></soap:Envelope>`
        );
      case "prefixed":
        return (
          `<S:Envelope xmlns:S="${SOAP_NS}" xmlns:t="${PERSONIFY_NS}"><S:Body><t:${operation}Response><t:${operation}Result>` +
          inner.replace(/<(\/?)(\w+)>/g, "<$1t:$2>") +
          `</t:${operation}Result></t:${operation}Response></S:Body></S:Envelope>`
        );
      case "default-namespace":
        return (
          `<Envelope xmlns="${SOAP_NS}"><Body><${operation}Response xmlns="${PERSONIFY_NS}"><${operation}Result>${inner}` +
          `</${operation}Result></${operation}Response></Body></Envelope>`
        );
    }
  }
}

function fault(code: string, message: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><soap:Fault>` +
    `<faultcode>${escapeXml(code)}</faultcode><faultstring>${escapeXml(message)}</faultstring><detail />` +
    `</soap:Fault></soap:Body></soap:Envelope>`
  );
}

/** The operation and its parameters, or why the envelope is not one Personify would accept. */
function parseRequest(text: string): { operation: string; parameters: Record<string, string> } | string {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text, true) as Record<string, unknown>;
  } catch {
    return "malformed request XML";
  }
  const envelopeKey = Object.keys(document).find((key) => key === "Envelope" || key.endsWith(":Envelope"));
  if (envelopeKey === undefined) return "no SOAP Envelope";
  const envelope = document[envelopeKey] as Record<string, unknown>;
  const prefix = envelopeKey.includes(":") ? envelopeKey.split(":")[0] : undefined;
  if (envelope[prefix ? `@_xmlns:${prefix}` : "@_xmlns"] !== SOAP_NS) return "the Envelope is not in the SOAP 1.1 namespace";
  const body = envelope[prefix ? `${prefix}:Body` : "Body"] as Record<string, unknown> | undefined;
  if (body === undefined) return "no SOAP Body";
  const operations = Object.keys(body).filter((key) => !key.startsWith("@_"));
  if (operations.length !== 1) return "the Body must hold exactly one operation";
  const operation = operations[0]!;
  const element = body[operation] as Record<string, unknown>;
  if (element["@_xmlns"] !== PERSONIFY_NS) return `the operation is not in ${PERSONIFY_NS}`;
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(element)) {
    if (!name.startsWith("@_")) parameters[name] = typeof value === "string" ? value : "";
  }
  return { operation, parameters };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.once("error", reject);
  });
}
