import {
  buildSoapRequest,
  childElement,
  childText,
  parseXmlDocument,
  PERSONIFY_NAMESPACE,
  SOAP_ENVELOPE_NAMESPACE,
  type XmlElement,
  XmlMalformedError,
} from "./personify-soap.xml";

/** The operations of the Personify single sign-on web service (contracts §4) that amsgate calls. */
export type PersonifyOperation = "CustomerTokenDecrypt" | "VendorTokenEncrypt" | "SSOCustomerTokenIsValid" | "TIMSSCustomerIdentifierGet";

/**
 * How a call failed:
 * - `unavailable`: no answer in time, connection failure, or an HTTP error that is not a SOAP fault;
 * - `fault`: a SOAP fault;
 * - `errors`: the result's `Errors` list was not empty;
 * - `malformed`: the answer is not the documented envelope.
 */
export type PersonifyFailureKind = "unavailable" | "fault" | "errors" | "malformed";

/** A failed call. The message names the operation and what came back, never the values sent. */
export class PersonifyCallError extends Error {
  constructor(
    readonly kind: PersonifyFailureKind,
    readonly operation: PersonifyOperation,
    detail: string,
    options: { cause?: unknown; errors?: string[]; faultCode?: string } = {},
  ) {
    super(`Personify ${operation}: ${detail}`, { cause: options.cause });
    this.name = "PersonifyCallError";
    this.errors = options.errors ?? [];
    this.faultCode = options.faultCode;
  }

  /** The service's `Errors` strings, for `errors`. */
  readonly errors: string[];
  readonly faultCode: string | undefined;
}

export interface PersonifySoapClientOptions {
  /** `…/SSO/webservice/service.asmx`. */
  serviceUrl: string;
  vendorUsername: string;
  vendorPassword: string;
  /** Per call, from sending to the whole answer read. */
  timeoutMs: number;
  /** Larger answers are refused as malformed; default 256 KiB. */
  maxResponseBytes?: number;
}

/**
 * SOAP 1.1 client of the Personify single sign-on web service. Every call carries the vendor
 * credentials; the answer must be `<OperationResponse><OperationResult>` in the service namespace,
 * and a non-empty `Errors` list fails the call. Redirects are refused so the credentials never
 * travel to another address.
 */
export class PersonifySoapClient {
  constructor(private readonly options: PersonifySoapClientOptions) {}

  /** Calls `operation` with `parameters` (after the vendor credentials) and returns `<OperationResult>`. */
  async call(operation: PersonifyOperation, parameters: ReadonlyArray<readonly [string, string]>): Promise<XmlElement> {
    const body = buildSoapRequest(operation, [
      ["vendorUsername", this.options.vendorUsername],
      ["vendorPassword", this.options.vendorPassword],
      ...parameters,
    ]);
    const { status, text } = await this.post(operation, body);
    let envelope: XmlElement | undefined;
    try {
      envelope = parseXmlDocument(text);
    } catch (error) {
      if (!(error instanceof XmlMalformedError)) throw error;
      if (status === 200) throw new PersonifyCallError("malformed", operation, error.message, { cause: error });
    }
    // SOAP 1.1 sends faults with HTTP 500; any other answer that is not 200 means the service is unwell.
    const fault = envelope && findFault(envelope);
    if (fault !== undefined) throw faultError(operation, fault);
    if (status !== 200 || envelope === undefined) throw new PersonifyCallError("unavailable", operation, `HTTP ${status}`);
    const result = readResult(operation, envelope);
    const errors = readErrors(result);
    if (errors.length > 0) throw new PersonifyCallError("errors", operation, `${errors.length} error(s) returned`, { errors });
    return result;
  }

  private async post(operation: PersonifyOperation, body: string): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await fetch(this.options.serviceUrl, {
        method: "POST",
        headers: {
          "Content-Type": "text/xml; charset=utf-8",
          SOAPAction: `"${PERSONIFY_NAMESPACE}/${operation}"`,
        },
        body,
        redirect: "error",
        signal,
      });
      const text = await readLimited(response, this.options.maxResponseBytes ?? 256 * 1024);
      if (text === undefined) {
        throw new PersonifyCallError("malformed", operation, "the answer is larger than allowed");
      }
      return { status: response.status, text };
    } catch (error) {
      if (error instanceof PersonifyCallError) throw error;
      const detail = signal.aborted ? `no answer within ${this.options.timeoutMs} ms` : "the service could not be reached";
      throw new PersonifyCallError("unavailable", operation, detail, { cause: error });
    }
  }
}

function soapBody(envelope: XmlElement): XmlElement | undefined {
  if (envelope.namespace !== SOAP_ENVELOPE_NAMESPACE || envelope.name !== "Envelope") return undefined;
  return childElement(envelope, SOAP_ENVELOPE_NAMESPACE, "Body");
}

function findFault(envelope: XmlElement): XmlElement | undefined {
  const body = soapBody(envelope);
  return body && childElement(body, SOAP_ENVELOPE_NAMESPACE, "Fault");
}

function faultError(operation: PersonifyOperation, fault: XmlElement): PersonifyCallError {
  // faultcode/faultstring are unqualified in SOAP 1.1, but some senders put them in a default namespace.
  const faultCode = fault.children.find((child) => child.name === "faultcode")?.text.trim() ?? "";
  const faultString = fault.children.find((child) => child.name === "faultstring")?.text.trim() ?? "";
  return new PersonifyCallError("fault", operation, `SOAP fault ${faultCode}: ${faultString.slice(0, 200)}`, { faultCode });
}

/** `<OperationResponse><OperationResult>` in the service namespace, or a `malformed` failure. */
function readResult(operation: PersonifyOperation, envelope: XmlElement): XmlElement {
  const body = soapBody(envelope);
  if (body === undefined) {
    throw new PersonifyCallError("malformed", operation, `expected a SOAP 1.1 Envelope with a Body, got ${describe(envelope)}`);
  }
  const response = childElement(body, PERSONIFY_NAMESPACE, `${operation}Response`);
  const result = response && childElement(response, PERSONIFY_NAMESPACE, `${operation}Result`);
  if (result === undefined) {
    const found = body.children.map(describe).join(", ") || "an empty Body";
    const expected = `${operation}Response/${operation}Result in ${PERSONIFY_NAMESPACE}`;
    throw new PersonifyCallError("malformed", operation, `expected ${expected}, got ${found}`);
  }
  return result;
}

/** `Errors` is an ArrayOfString: `<Errors><string>…</string></Errors>`, empty or absent when all went well. */
function readErrors(result: XmlElement): string[] {
  const errors = childElement(result, PERSONIFY_NAMESPACE, "Errors");
  if (errors === undefined) return [];
  return errors.children.map((child) => child.text.trim()).filter((text) => text !== "");
}

function describe(element: XmlElement): string {
  return element.namespace === "" ? `<${element.name}>` : `<${element.name}> in ${element.namespace}`;
}

/** The body as text, or undefined once it passes `maxBytes`; stops reading there. */
async function readLimited(response: Response, maxBytes: number): Promise<string | undefined> {
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    // Leaving the loop cancels the stream, so an oversized answer is not read to its end.
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The trimmed text of a result element, or undefined when it is missing. */
export function resultText(result: XmlElement, name: string): string | undefined {
  return childText(result, PERSONIFY_NAMESPACE, name);
}
