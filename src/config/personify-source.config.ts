import { loadPersonifyMapping, type PersonifyMapping } from "../sources/personify/personify.mapping";
import { DEFAULT_PERSONIFY_MAPPING } from "../sources/personify/personify-mapping.defaults";
import type { EnvReader } from "./env-readers";

/** Sign-on calls to the Personify single sign-on web service (contracts §4). */
export interface PersonifySignOnConfig {
  /** `…/SSO/webservice/service.asmx`. */
  serviceUrl: string;
  vendorUsername: string;
  /** Secret. */
  vendorPassword: string;
  /** Per SOAP call. */
  timeoutMs: number;
  /** A username holding `@` is turned into the Personify username with `SSOCustomerGetByEmail` first. */
  emailLookup: boolean;
}

/** Personify Data Services (OData) as the AMS source. */
export interface PersonifySourceConfig {
  /** The service root, without a trailing slash. */
  url: string;
  username: string;
  /** Secret. */
  password: string;
  /** Scopes org-scoped entity sets when set; unset leaves the organization to the service's own configuration. */
  orgId: string | null;
  orgUnitId: string | null;
  /** Where the mapping came from (null: the defaults). */
  mappingFile: string | null;
  mapping: PersonifyMapping;
  /** Per HTTP request. */
  timeoutMs: number;
  /** Further tries of a request that failed temporarily. */
  retries: number;
  /** First retry delay; doubles each try. */
  retryBaseMs: number;
  /** `$top` per request; 0 relies on the server's own paging. */
  pageSize: number;
  /** Most member keys one `fetchMembers` call takes. */
  batchSize: number;
  /** Longest request URL sent; key filters are split to stay under it. */
  maxUrlLength: number;
  /** Member types (or customer classes) whose holders are staff. */
  staffMemberTypes: string[];
  /** Credential sign-on; null when no sign-on service is configured. */
  signOn: PersonifySignOnConfig | null;
}

const fallback = (read: EnvReader, name: string, shared: string) => read.raw(name) ?? read.raw(shared);

function readSignOn(read: EnvReader): PersonifySignOnConfig | null {
  // The redirect sign-on (PERSONIFY_SSO_URL, PERSONIFY_VENDOR_*) already names the service; AUTH_* set it apart when needed.
  const serviceText = fallback(read, "PERSONIFY_AUTH_URL", "PERSONIFY_SSO_URL");
  const vendorUsername = fallback(read, "PERSONIFY_AUTH_VENDOR_USERNAME", "PERSONIFY_VENDOR_USERNAME");
  const vendorPassword = fallback(read, "PERSONIFY_AUTH_VENDOR_PASSWORD", "PERSONIFY_VENDOR_PASSWORD");
  if (serviceText === undefined && vendorUsername === undefined && vendorPassword === undefined) return null;
  if (serviceText === undefined || vendorUsername === undefined || vendorPassword === undefined) {
    read.problem(
      "Personify credential sign-on needs PERSONIFY_AUTH_URL, PERSONIFY_AUTH_VENDOR_USERNAME and PERSONIFY_AUTH_VENDOR_PASSWORD (or the PERSONIFY_SSO_URL / PERSONIFY_VENDOR_* they default to)",
    );
    return null;
  }
  const name = read.raw("PERSONIFY_AUTH_URL") === undefined ? "PERSONIFY_SSO_URL" : "PERSONIFY_AUTH_URL";
  const serviceUrl = read.url(name, ["http:", "https:"]);
  return {
    serviceUrl: serviceUrl?.toString() ?? "",
    vendorUsername,
    vendorPassword,
    timeoutMs: read.durationMs(
      read.raw("PERSONIFY_AUTH_TIMEOUT") === undefined ? "PERSONIFY_TIMEOUT" : "PERSONIFY_AUTH_TIMEOUT",
      10_000,
      100,
    ),
    emailLookup: read.bool("PERSONIFY_AUTH_EMAIL_LOOKUP", true),
  };
}

/** `AMS_SOURCE=personify`: every variable checked here, the mapping file read and validated at start. */
export function readPersonifyConfig(read: EnvReader): PersonifySourceConfig {
  const url = read.url("PERSONIFY_URL", ["http:", "https:"]);
  if (url === undefined && read.raw("PERSONIFY_URL") === undefined) read.problem("PERSONIFY_URL is required when AMS_SOURCE=personify");
  const username = read.raw("PERSONIFY_USERNAME");
  const password = read.raw("PERSONIFY_PASSWORD");
  if (username === undefined || password === undefined) {
    read.problem(
      "PERSONIFY_USERNAME and PERSONIFY_PASSWORD are required when AMS_SOURCE=personify (Personify Data Services checks them as HTTP Basic credentials)",
    );
  }
  const mappingFile = read.raw("PERSONIFY_MAPPING_FILE") ?? null;
  const loaded = loadPersonifyMapping(mappingFile ?? undefined);
  loaded.problems.forEach((problem) => read.problem(problem));
  return {
    url: url?.toString().replace(/\/+$/, "") ?? "",
    username: username ?? "",
    password: password ?? "",
    orgId: read.raw("PERSONIFY_ORG_ID") ?? null,
    orgUnitId: read.raw("PERSONIFY_ORG_UNIT_ID") ?? null,
    mappingFile,
    mapping: loaded.mapping ?? DEFAULT_PERSONIFY_MAPPING,
    timeoutMs: read.durationMs("PERSONIFY_DATA_TIMEOUT", 30_000, 100),
    retries: read.int("PERSONIFY_RETRIES", 3, 0, 10),
    retryBaseMs: read.durationMs("PERSONIFY_RETRY_BASE", 500),
    pageSize: read.int("PERSONIFY_PAGE_SIZE", 500, 0, 10_000),
    batchSize: read.int("PERSONIFY_BATCH_SIZE", 100, 1, 1_000),
    maxUrlLength: read.int("PERSONIFY_MAX_URL_LENGTH", 2_048, 512, 65_536),
    staffMemberTypes: read.raw("PERSONIFY_STAFF_MEMBER_TYPES") === undefined ? ["STAFF"] : read.list("PERSONIFY_STAFF_MEMBER_TYPES"),
    signOn: readSignOn(read),
  };
}

/** A copy safe to log: no passwords, and the mapping by its file only. */
export function redactPersonifyConfig(config: PersonifySourceConfig, redactUrl: (url: string) => string): Record<string, unknown> {
  const { mapping: _mapping, password: _password, signOn, ...rest } = config;
  return {
    ...rest,
    url: rest.url === "" ? "" : redactUrl(rest.url),
    password: "***",
    mappingFile: config.mappingFile ?? "(defaults)",
    signOn: signOn === null ? null : { ...signOn, vendorPassword: "***" },
  };
}
