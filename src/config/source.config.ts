import type { EnvReader } from "./env-readers";
import { type ImisSourceConfig, readImisConfig } from "./imis.config";
import { readSalesforceConfig, type SalesforceSourceConfig } from "./salesforce.config";
import { type PersonifySourceConfig, readPersonifyConfig } from "./personify-source.config";

export const SOURCE_KINDS = ["demo", "rest", "personify", "imis", "salesforce", "spreadsheet"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The built-in simulated association. */
export interface DemoConfig {
  /** Same seed and size, same association, member for member. */
  seed: number;
  members: number;
  /** How often the change simulator edits a few members; 0 turns it off. */
  changeIntervalMs: number;
  /** How many members one simulator tick edits. */
  changesPerTick: number;
}

/** `npm run demo-ams`: the simulated association served over HTTP with injected faults. */
export interface DemoAmsConfig {
  port: number;
  /** Interface to listen on: loopback unless told otherwise (e.g. 0.0.0.0 in a container). */
  host: string;
  apiKey: string;
  /** Share of requests answered 503 or left to time out. */
  faultRate: number;
  /** Added to every request. */
  latencyMs: number;
  /** Share of member records sent malformed, drawn per response. */
  malformedRate: number;
}

/** The JSON source protocol client. */
export interface RestSourceConfig {
  url: string;
  apiKey: string;
  /** Per HTTP request. */
  timeoutMs: number;
  /** Further tries of a request that failed temporarily. */
  retries: number;
  /** First retry delay; doubles each try. */
  retryBaseMs: number;
}

export type SourceConfig =
  | { kind: "demo"; demo: DemoConfig }
  | { kind: "rest"; rest: RestSourceConfig }
  | { kind: "personify"; personify: PersonifySourceConfig }
  | { kind: "imis"; imis: ImisSourceConfig }
  | { kind: "salesforce"; salesforce: SalesforceSourceConfig }
  /** No AMS: the cache is the system of record, filled by CSV imports and admin mutations. */
  | { kind: "spreadsheet" };

export function readDemoConfig(read: EnvReader): DemoConfig {
  return {
    seed: read.int("DEMO_SEED", 1, 0, 2 ** 31 - 1),
    members: read.int("DEMO_MEMBERS", 1_000, 1, 5_000_000),
    changeIntervalMs: read.durationMs("DEMO_CHANGE_INTERVAL", 20_000),
    changesPerTick: read.int("DEMO_CHANGES_PER_TICK", 5, 1, 10_000),
  };
}

export function readSourceConfig(read: EnvReader): SourceConfig {
  const kind = read.oneOf("AMS_SOURCE", SOURCE_KINDS, "demo");
  if (kind === "demo") return { kind, demo: readDemoConfig(read) };
  if (kind === "personify") return { kind, personify: readPersonifyConfig(read) };
  if (kind === "imis") return { kind, imis: readImisConfig(read) };
  if (kind === "salesforce") return { kind, salesforce: readSalesforceConfig(read) };
  if (kind === "spreadsheet") return { kind };
  const url = read.url("AMS_URL", ["http:", "https:"]);
  const apiKey = read.optionalString("AMS_API_KEY");
  if (url === undefined && read.raw("AMS_URL") === undefined) read.problem("AMS_URL is required when AMS_SOURCE=rest");
  if (apiKey === undefined) read.problem("AMS_API_KEY is required when AMS_SOURCE=rest");
  return {
    kind,
    rest: {
      url: url?.toString().replace(/\/+$/, "") ?? "",
      apiKey: apiKey ?? "",
      timeoutMs: read.durationMs("AMS_TIMEOUT", 10_000, 1),
      retries: read.int("AMS_RETRIES", 3, 0, 10),
      retryBaseMs: read.durationMs("AMS_RETRY_BASE", 500),
    },
  };
}

export function readDemoAmsConfig(read: EnvReader): DemoAmsConfig {
  const apiKey = read.optionalString("AMS_API_KEY");
  if (apiKey === undefined) read.problem("AMS_API_KEY is required: clients must send it as a bearer key");
  return {
    port: read.int("DEMO_AMS_PORT", 4100, 0, 65535),
    host: read.string("DEMO_AMS_HOST", "127.0.0.1"),
    apiKey: apiKey ?? "",
    faultRate: read.fraction("DEMO_AMS_FAULT_RATE", 0),
    latencyMs: read.durationMs("DEMO_AMS_LATENCY", 0),
    malformedRate: read.fraction("DEMO_AMS_MALFORMED_RATE", 0),
  };
}
