import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { SignedXml } from "xml-crypto";

/** A test-only self-signed pair under test/fixtures/saml (never used anywhere but tests). */
export function samlTestKey(name: "idp" | "other"): { key: string; cert: string } {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const folder = path.join(dir, "test", "fixtures", "saml");
    if (fs.existsSync(folder)) {
      return {
        key: fs.readFileSync(path.join(folder, `${name}-key.pem`), "utf8"),
        cert: fs.readFileSync(path.join(folder, `${name}-cert.pem`), "utf8"),
      };
    }
    if (path.dirname(dir) === dir) throw new Error("test/fixtures/saml not found");
  }
}

/** An AuthnRequest as the IdP received it by the HTTP-Redirect binding. */
export interface ReceivedAuthnRequest {
  id: string;
  acsUrl: string;
  issuer: string;
  destination: string;
  relayState: string | undefined;
}

/** What one assertion says; every field defaults to what a correct IdP would send for `request`. */
export interface AssertionOptions {
  nameId: string;
  attributes?: Record<string, string>;
  audience?: string;
  recipient?: string;
  inResponseTo?: string;
  notBefore?: Date;
  notOnOrAfter?: Date;
  subjectNotOnOrAfter?: Date;
  id?: string;
  issuer?: string;
}

export interface ResponseOptions extends AssertionOptions {
  destination?: string;
  responseInResponseTo?: string;
  /** Which key signs the assertion; "none" leaves it unsigned. */
  signWith?: "idp" | "other" | "none";
  /** Rewrites the signed response XML (wrapping and duplication attacks). */
  rewrite?: (xml: string, parts: { signedAssertion: string }) => string;
}

const SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol";
const esc = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * A SAML 2.0 identity provider on 127.0.0.1, port 0, for tests. `GET /sso` takes the
 * HTTP-Redirect AuthnRequest (deflated, base64), "signs in" the user named by the `login`
 * parameter and answers the auto-posting form of the HTTP-POST binding, with a Response whose
 * assertion it signs (RSA-SHA256, exclusive c14n) with its test key, as a real IdP does.
 */
export class SamlIdp {
  readonly entityId = "urn:test:saml-idp";
  readonly requests: ReceivedAuthnRequest[] = [];
  private server: Server | undefined;
  private readonly keys = { idp: samlTestKey("idp"), other: samlTestKey("other") };
  /** login name → member key (NameID). */
  readonly users = new Map<string, string>();
  now: () => Date = () => new Date();

  get cert(): string {
    return this.keys.idp.cert;
  }

  get ssoUrl(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/sso`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname !== "/sso" || !url.searchParams.get("SAMLRequest")) {
        res.writeHead(404).end();
        return;
      }
      const request = parseAuthnRequest(url.searchParams.get("SAMLRequest")!, url.searchParams.get("RelayState") ?? undefined);
      this.requests.push(request);
      const nameId = this.users.get(url.searchParams.get("login") ?? "");
      if (nameId === undefined) {
        // The sign-in form: it carries the request on, and the user's name comes back with it.
        const hidden = [...url.searchParams].filter(([name]) => name !== "login");
        const fields = hidden.map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`).join("");
        res
          .writeHead(200, { "content-type": "text/html" })
          .end(
            `<!doctype html><form method="get" action="/sso">${fields}<input name="login"><button type="submit">Sign in</button></form>`,
          );
        return;
      }
      const form = this.postForm(request, this.response(request, { nameId }));
      res.writeHead(200, { "content-type": "text/html" }).end(form);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The HTTP-POST binding's page: a form to the ACS URL with SAMLResponse (and RelayState). */
  postForm(request: ReceivedAuthnRequest, samlResponse: string): string {
    const relay = request.relayState === undefined ? "" : `<input type="hidden" name="RelayState" value="${esc(request.relayState)}">`;
    return (
      `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(request.acsUrl)}">` +
      `<input type="hidden" name="SAMLResponse" value="${samlResponse}">${relay}<noscript><button>Continue</button></noscript></form></body></html>`
    );
  }

  /** A base64 SAMLResponse answering `request`, shaped by `options`. */
  response(request: ReceivedAuthnRequest, options: ResponseOptions): string {
    return Buffer.from(this.responseXml(request, options), "utf8").toString("base64");
  }

  responseXml(request: ReceivedAuthnRequest, options: ResponseOptions): string {
    const unsigned = this.assertionXml(request, options);
    const signWith = options.signWith ?? "idp";
    const signedAssertion = signWith === "none" ? unsigned : sign(unsigned, this.keys[signWith]);
    const now = this.now().toISOString();
    const destination = options.destination ?? request.acsUrl;
    const inResponseTo = options.responseInResponseTo ?? options.inResponseTo ?? request.id;
    const xml =
      `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="_r${randomUUID().replace(/-/g, "")}" Version="2.0" ` +
      `IssueInstant="${now}" Destination="${esc(destination)}" InResponseTo="${esc(inResponseTo)}">` +
      `<saml:Issuer>${esc(options.issuer ?? this.entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `${signedAssertion}</samlp:Response>`;
    return options.rewrite ? options.rewrite(xml, { signedAssertion }) : xml;
  }

  /** An unsigned assertion (its own namespace declarations, so it can be signed standalone). */
  assertionXml(request: ReceivedAuthnRequest, options: AssertionOptions): string {
    const now = this.now();
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();
    const notBefore = (options.notBefore ?? new Date(now.getTime() - 30_000)).toISOString();
    const notOnOrAfter = (options.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000)).toISOString();
    const subjectNotOnOrAfter = (options.subjectNotOnOrAfter ?? options.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000)).toISOString();
    const attributes = Object.entries(options.attributes ?? {})
      .map(
        ([name, value]) => `<saml:Attribute Name="${esc(name)}"><saml:AttributeValue>${esc(value)}</saml:AttributeValue></saml:Attribute>`,
      )
      .join("");
    return (
      `<saml:Assertion xmlns:saml="${SAML}" ID="${esc(options.id ?? `_a${randomUUID().replace(/-/g, "")}`)}" Version="2.0" IssueInstant="${at(0)}">` +
      `<saml:Issuer>${esc(options.issuer ?? this.entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${esc(options.nameId)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
      `<saml:SubjectConfirmationData InResponseTo="${esc(options.inResponseTo ?? request.id)}" Recipient="${esc(options.recipient ?? request.acsUrl)}" NotOnOrAfter="${subjectNotOnOrAfter}"/>` +
      `</saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
      `<saml:AudienceRestriction><saml:Audience>${esc(options.audience ?? request.issuer)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${at(0)}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : "") +
      `</saml:Assertion>`
    );
  }
}

/** An enveloped signature over the assertion, placed after its Issuer as the schema requires. */
function sign(assertion: string, pair: { key: string; cert: string }): string {
  const signer = new SignedXml({
    privateKey: pair.key,
    publicCert: pair.cert,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  signer.addReference({
    xpath: "/*[local-name(.)='Assertion']",
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
  });
  signer.computeSignature(assertion, {
    location: { reference: "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: "after" },
  });
  return signer.getSignedXml();
}

function parseAuthnRequest(encoded: string, relayState: string | undefined): ReceivedAuthnRequest {
  const xml = inflateRawSync(Buffer.from(encoded, "base64")).toString("utf8");
  const attribute = (name: string) => new RegExp(`<(?:\\w+:)?AuthnRequest\\b[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? "";
  const issuer = /<(?:\w+:)?Issuer\b[^>]*>([^<]*)</.exec(xml)?.[1] ?? "";
  return {
    id: attribute("ID"),
    acsUrl: attribute("AssertionConsumerServiceURL"),
    destination: attribute("Destination"),
    issuer,
    relayState,
  };
}
