import { XMLParser } from "fast-xml-parser";
import { SsoError, SsoErrorCode } from "../sso.error";

/** The parts of node-saml's parsed (xml2js) assertion that the gateway checks itself. */
type XmlJs = { $?: Record<string, string>; _?: string; [child: string]: unknown };

const children = (node: XmlJs | undefined, name: string): XmlJs[] => {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XmlJs[]) : [];
};

const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/** What the service provider reads from the verified assertion beyond node-saml's profile. */
export interface AssertionFacts {
  id: string;
  issuer: string | undefined;
  /** The latest NotOnOrAfter in the assertion (conditions, subject confirmation), if any. */
  notOnOrAfter: Date | undefined;
}

/**
 * Checks node-saml leaves to its caller, on the assertion whose signature it verified: a bearer
 * subject confirmation whose Recipient is this service's ACS URL (SAML profiles §4.1.4.2); an
 * assertion id (for the replay guard); the issuer.
 */
export function readVerifiedAssertion(parsed: unknown, acsUrl: string): AssertionFacts {
  const assertion = (parsed as { Assertion?: XmlJs } | undefined)?.Assertion;
  const id = assertion?.$?.ID;
  if (!assertion || !id) throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML assertion carries no ID");
  const confirmations = children(children(assertion, "Subject")[0], "SubjectConfirmation").filter(
    (confirmation) => confirmation.$?.Method === BEARER,
  );
  const data = confirmations.flatMap((confirmation) => children(confirmation, "SubjectConfirmationData"));
  if (data.length === 0 || data.some((entry) => entry.$?.Recipient !== acsUrl)) {
    throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML assertion is not addressed to this service (Recipient)");
  }
  const times = [...data, ...children(assertion, "Conditions")]
    .map((entry) => entry.$?.NotOnOrAfter)
    .filter((text): text is string => typeof text === "string")
    .map((text) => Date.parse(text))
    .filter((ms) => Number.isFinite(ms));
  const issuerNode = children(assertion, "Issuer")[0];
  const issuer = typeof issuerNode === "string" ? issuerNode : issuerNode?._;
  return { id, issuer, notOnOrAfter: times.length > 0 ? new Date(Math.max(...times)) : undefined };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", removeNSPrefix: true, processEntities: false });

/**
 * The Response's Destination, when present, must be this ACS URL (SAML core §3.2.2). The
 * attribute sits outside the signed assertion, so a mismatch only refuses, never admits.
 */
export function checkDestination(responseXml: string, acsUrl: string): void {
  const root = parser.parse(responseXml) as { Response?: Record<string, unknown> };
  const destination = root.Response?.["@Destination"];
  if (destination !== undefined && destination !== acsUrl) {
    throw new SsoError(SsoErrorCode.INVALID_TOKEN, "The SAML response is not addressed to this service (Destination)");
  }
}
