import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { parseSalesforceMapping, type SalesforceMapping } from "../sources/salesforce/salesforce-mapping";
import type { EnvReader } from "./env-readers";

/**
 * A secret read from the environment. It prints as `***` however it is printed (JSON, logs,
 * `util.inspect`), so a config object holding one can be logged whole; `reveal()` is the only
 * way to the value.
 */
export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return "***";
  }

  toString(): string {
    return "***";
  }

  [inspect.custom](): string {
    return "***";
  }
}

/** How the connector proves who it is to Salesforce (OAuth 2.0 server-to-server flows). */
export type SalesforceGrant =
  | { kind: "client_credentials"; clientSecret: SecretText }
  | { kind: "jwt_bearer"; privateKeyPem: SecretText; username: string; audience: string };

/** `AMS_SOURCE=salesforce`: Fonteva or another AMS built on Salesforce objects. */
export interface SalesforceSourceConfig {
  /** Where the token endpoint lives: `https://login.salesforce.com`, a sandbox, or the org's My Domain. */
  loginUrl: string;
  clientId: string;
  grant: SalesforceGrant;
  /** REST API version, e.g. `62.0`. */
  apiVersion: string;
  /** Objects and fields to read (Fonteva defaults, overridden by `SALESFORCE_MAPPING_FILE`). */
  mapping: SalesforceMapping;
  /** Per HTTP request. */
  timeoutMs: number;
  /** Further tries of a request that failed temporarily. */
  retries: number;
  /** First retry delay; doubles each try. */
  retryBaseMs: number;
  /** How long to back off after `REQUEST_LIMIT_EXCEEDED` when Salesforce sends no Retry-After. */
  limitBackoffMs: number;
  /** Share (0–1) of the org's daily API requests above which each call logs a warning. */
  limitWarnShare: number;
  /** Where completions are written back; null: this org takes no writeback. */
  writeback: SalesforceWritebackConfig | null;
}

/** The fields of a completion, and the custom object's field each is written to. */
export const SALESFORCE_WRITEBACK_FIELDS = ["memberKey", "activityKey", "title", "completedAt", "credits", "creditType"] as const;
export type SalesforceWritebackField = (typeof SALESFORCE_WRITEBACK_FIELDS)[number];

/** Completions upserted into a custom object by an external-id field holding the idempotency key. */
export interface SalesforceWritebackConfig {
  object: string;
  /** An External ID (unique) text field: the upsert key, so a re-send updates instead of inserting. */
  externalIdField: string;
  fields: Record<SalesforceWritebackField, string>;
}

const DEFAULT_WRITEBACK_FIELDS: Record<SalesforceWritebackField, string> = {
  memberKey: "Member_Key__c",
  activityKey: "Activity_Key__c",
  title: "Title__c",
  completedAt: "Completed_At__c",
  credits: "Credits__c",
  creditType: "Credit_Type__c",
};
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/** SALESFORCE_WRITEBACK_OBJECT, SALESFORCE_WRITEBACK_EXTERNAL_ID and SALESFORCE_WRITEBACK_FIELDS (`name=Field__c,…`). */
function readWriteback(read: EnvReader): SalesforceWritebackConfig | null {
  const object = read.optionalString("SALESFORCE_WRITEBACK_OBJECT");
  if (object === undefined) return null;
  const externalIdField = read.string("SALESFORCE_WRITEBACK_EXTERNAL_ID", "Idempotency_Key__c");
  const fields = { ...DEFAULT_WRITEBACK_FIELDS };
  for (const entry of read.list("SALESFORCE_WRITEBACK_FIELDS")) {
    const [name, field] = entry.split("=").map((part) => part.trim());
    if (!(SALESFORCE_WRITEBACK_FIELDS as readonly string[]).includes(name ?? "") || !field) {
      read.problem(
        `SALESFORCE_WRITEBACK_FIELDS entries are name=Field__c with name one of ${SALESFORCE_WRITEBACK_FIELDS.join(", ")} (got "${entry}")`,
      );
      continue;
    }
    fields[name as SalesforceWritebackField] = field;
  }
  for (const [name, value] of [
    ["SALESFORCE_WRITEBACK_OBJECT", object],
    ["SALESFORCE_WRITEBACK_EXTERNAL_ID", externalIdField],
    ...Object.entries(fields),
  ]) {
    if (!API_NAME.test(value!)) read.problem(`${name}: "${value}" is not a Salesforce API name`);
  }
  return { object, externalIdField, fields };
}

const DEFAULT_LOGIN_URL = "https://login.salesforce.com";
const DEFAULT_API_VERSION = "62.0";

export function readSalesforceConfig(read: EnvReader): SalesforceSourceConfig {
  const loginUrl = read.url("SALESFORCE_LOGIN_URL", ["https:", "http:"])?.toString().replace(/\/+$/, "") ?? DEFAULT_LOGIN_URL;
  const clientId = read.optionalString("SALESFORCE_CLIENT_ID");
  if (clientId === undefined) read.problem("SALESFORCE_CLIENT_ID is required when AMS_SOURCE=salesforce");
  const apiVersion = read.string("SALESFORCE_API_VERSION", DEFAULT_API_VERSION).replace(/^v/i, "");
  if (!/^\d{2,3}\.\d$/.test(apiVersion)) read.problem(`SALESFORCE_API_VERSION must look like 62.0 (got "${apiVersion}")`);
  return {
    loginUrl,
    clientId: clientId ?? "",
    grant: readGrant(read, loginUrl),
    apiVersion,
    mapping: readMapping(read),
    timeoutMs: read.durationMs("SALESFORCE_TIMEOUT", 30_000, 1),
    retries: read.int("SALESFORCE_RETRIES", 3, 0, 10),
    retryBaseMs: read.durationMs("SALESFORCE_RETRY_BASE", 1_000),
    limitBackoffMs: read.durationMs("SALESFORCE_LIMIT_BACKOFF", 15 * 60_000, 1_000),
    limitWarnShare: read.fraction("SALESFORCE_LIMIT_WARN_SHARE", 0.8),
    writeback: readWriteback(read),
  };
}

/** JWT bearer when a private key is given, client credentials otherwise; never both. */
function readGrant(read: EnvReader, loginUrl: string): SalesforceGrant {
  const secret = read.optionalString("SALESFORCE_CLIENT_SECRET");
  const inline = read.optionalString("SALESFORCE_PRIVATE_KEY");
  const keyFile = read.optionalString("SALESFORCE_PRIVATE_KEY_FILE");
  const username = read.optionalString("SALESFORCE_USERNAME");
  if (inline !== undefined && keyFile !== undefined) read.problem("set SALESFORCE_PRIVATE_KEY or SALESFORCE_PRIVATE_KEY_FILE, not both");
  const pem = inline?.replace(/\\n/g, "\n") ?? (keyFile === undefined ? undefined : readKeyFile(read, keyFile));
  if (pem === undefined && keyFile === undefined) {
    if (secret === undefined) {
      read.problem(
        "AMS_SOURCE=salesforce needs SALESFORCE_CLIENT_SECRET (client credentials) or SALESFORCE_PRIVATE_KEY(_FILE) with SALESFORCE_USERNAME (JWT bearer)",
      );
    }
    return { kind: "client_credentials", clientSecret: new SecretText(secret ?? "") };
  }
  if (secret !== undefined) read.problem("set SALESFORCE_CLIENT_SECRET or a private key, not both");
  if (username === undefined) read.problem("SALESFORCE_USERNAME is required with SALESFORCE_PRIVATE_KEY(_FILE) (JWT bearer)");
  if (pem !== undefined && !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    read.problem("the Salesforce private key must be a PEM (-----BEGIN PRIVATE KEY-----)");
  }
  return {
    kind: "jwt_bearer",
    privateKeyPem: new SecretText(pem ?? ""),
    username: username ?? "",
    audience: read.url("SALESFORCE_JWT_AUDIENCE", ["https:", "http:"])?.toString().replace(/\/+$/, "") ?? loginUrl,
  };
}

function readKeyFile(read: EnvReader, file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    read.problem(`SALESFORCE_PRIVATE_KEY_FILE could not be read (${code})`);
    return undefined;
  }
}

function readMapping(read: EnvReader): SalesforceMapping {
  const file = read.optionalString("SALESFORCE_MAPPING_FILE");
  let raw: unknown = {};
  if (file !== undefined) {
    try {
      raw = JSON.parse(readFileSync(file, "utf8")) as unknown;
    } catch (error) {
      const why =
        error instanceof SyntaxError
          ? `is not JSON: ${error.message}`
          : `could not be read (${(error as { code?: string }).code ?? "unreadable"})`;
      read.problem(`SALESFORCE_MAPPING_FILE ${why}`);
    }
  }
  const parsed = parseSalesforceMapping(raw);
  if (!parsed.ok) for (const problem of parsed.problems) read.problem(`SALESFORCE_MAPPING_FILE: ${problem}`);
  return parsed.mapping;
}
