import { X509Certificate } from "node:crypto";
import type { EnvReader } from "./env-readers";
import { readSecureUrl } from "./secure-url";

/** One SAML 2.0 identity provider the gateway is a service provider for (`/auth/saml/<name>/...`). */
export interface SamlProviderConfig {
  /** Lower-case name used in `/auth/saml/<name>/...` and in `SAML_<NAME>_*` variables. */
  name: string;
  /** Where the AuthnRequest is sent (HTTP-Redirect binding). */
  idpSsoUrl: string;
  /** The IdP's signing certificates as PEM; any of them may sign (several during a rollover). */
  idpCertificates: string[];
  /** When set, the response's and assertion's Issuer must be this entity id. */
  idpEntityId: string | undefined;
  /** The service provider's entity id: the audience assertions must name. */
  spEntityId: string;
  /** The assertion consumer service (HTTP-POST binding): the recipient and destination required. */
  acsUrl: string;
  /** `nameID` (the Subject's NameID) or the name of the attribute holding the AMS member key. */
  memberKeyAttribute: string;
  /** The NameID format asked for in the AuthnRequest. */
  nameIdFormat: string;
  /** Allowance for the IdP's clock on NotBefore / NotOnOrAfter. */
  clockSkewMs: number;
}

const UNSPECIFIED_NAME_ID = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** `SAML_PROVIDERS` and each provider's `SAML_<NAME>_*`; endpoints default under `publicUrl`. */
export function readSamlProviders(read: EnvReader, publicUrl: string | undefined): SamlProviderConfig[] {
  const providers: SamlProviderConfig[] = [];
  for (const name of read.list("SAML_PROVIDERS").map((entry) => entry.toLowerCase())) {
    if (!NAME_PATTERN.test(name)) {
      read.problem(`SAML_PROVIDERS entry "${name}" must be a lower-case name of letters, digits and dashes`);
    } else if (providers.some((provider) => provider.name === name)) {
      read.problem(`SAML_PROVIDERS names ${name} twice`);
    } else {
      providers.push(readProvider(read, name, publicUrl ?? ""));
    }
  }
  return providers;
}

function readProvider(read: EnvReader, name: string, publicUrl: string): SamlProviderConfig {
  const prefix = `SAML_${name.toUpperCase().replace(/-/g, "_")}_`;
  const required = (variable: string) => {
    if (read.raw(`${prefix}${variable}`) === undefined) read.problem(`${prefix}${variable} is required for SAML provider ${name}`);
  };
  required("IDP_SSO_URL");
  required("IDP_CERTS");
  const idpSsoUrl = read.raw(`${prefix}IDP_SSO_URL`) === undefined ? "" : (readSecureUrl(read, `${prefix}IDP_SSO_URL`) ?? "");
  const acsUrl =
    read.raw(`${prefix}ACS_URL`) === undefined ? `${publicUrl}/auth/saml/${name}/acs` : readSecureUrl(read, `${prefix}ACS_URL`);
  const attribute = read.string(`${prefix}MEMBER_KEY_ATTRIBUTE`, "nameID");
  if (attribute.length > 256 || /\s/.test(attribute)) read.problem(`${prefix}MEMBER_KEY_ATTRIBUTE must be nameID or an attribute name`);
  const clockSkewMs = read.durationMs(`${prefix}CLOCK_SKEW`, 60_000, 0);
  if (clockSkewMs > 10 * 60_000) read.problem(`${prefix}CLOCK_SKEW must be at most 10m`);
  return {
    name,
    idpSsoUrl,
    idpCertificates: readCertificates(read, `${prefix}IDP_CERTS`),
    idpEntityId: read.raw(`${prefix}IDP_ENTITY_ID`),
    spEntityId: read.string(`${prefix}SP_ENTITY_ID`, `${publicUrl}/auth/saml/${name}/metadata`),
    acsUrl: acsUrl ?? "",
    memberKeyAttribute: attribute,
    nameIdFormat: read.string(`${prefix}NAMEID_FORMAT`, UNSPECIFIED_NAME_ID),
    clockSkewMs,
  };
}

/**
 * Certificates separated by commas, each a PEM block (newlines may be written `\n`) or the bare
 * base64 of the DER form, as IdP metadata shows it. Each must parse as X.509.
 */
function readCertificates(read: EnvReader, variable: string): string[] {
  const text = read.raw(variable);
  if (text === undefined) return [];
  const certificates: string[] = [];
  text
    .replace(/\\n/g, "\n")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const pem = entry.includes("-----BEGIN") ? entry : toPem(entry);
      try {
        new X509Certificate(pem);
        certificates.push(pem);
      } catch {
        read.problem(`${variable} entry ${index + 1} is not an X.509 certificate (PEM, or the base64 of its DER form)`);
      }
    });
  return certificates;
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, "").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${body.trimEnd()}\n-----END CERTIFICATE-----\n`;
}
