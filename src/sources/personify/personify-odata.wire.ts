import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parseWireDate, type WireDate } from "../member-info/wire-dates";
import { describeValue } from "../member-info/wire-values";
import { SourceError, SourceErrorCode } from "../source.error";

/**
 * The OData v2/v3 wire format of WCF Data Services, as Personify Data Services speaks it: the
 * collection envelopes (verbose JSON `{"d":{"results":[…],"__next"}}`, its v1 form `{"d":[…]}`,
 * and JSON light `{"value":[…],"odata.nextLink"}`), `/Date(ms)/` values, URI literals and the
 * error bodies ([MS-ODATA] 2.2.8.1: verbose JSON, JSON light and XML).
 */

/** One page of an entity set. */
export interface ODataPage {
  rows: unknown[];
  /** The server-driven next page, as sent (absolute or relative), or null. */
  next: string | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const nextLink = (value: unknown): string | null => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);

/** Reads a collection envelope; anything else is a contract violation for the whole call. */
export function readCollection(body: unknown, call: string): ODataPage {
  if (isObject(body)) {
    const d = body.d;
    if (Array.isArray(d)) return { rows: d, next: null };
    if (isObject(d) && Array.isArray(d.results)) return { rows: d.results, next: nextLink(d.__next) };
    if (Array.isArray(body.value)) return { rows: body.value, next: nextLink(body["odata.nextLink"] ?? body["@odata.nextLink"]) };
  }
  const got = isObject(body) ? `an object with ${Object.keys(body).slice(0, 5).join(", ") || "no keys"}` : describeValue(body);
  throw new SourceError(
    SourceErrorCode.CONTRACT_VIOLATION,
    `${call}: expected an OData collection ({"d":{"results":[…]}} or {"value":[…]}), got ${got}`,
  );
}

/** The single result of a service operation: `{"d": …}` (verbose, unwrapping `results`) or JSON light's `{"value": …}`. */
export function readOperationResult(body: unknown): unknown {
  if (!isObject(body)) return body;
  if ("d" in body) return isObject(body.d) && "results" in body.d ? body.d.results : body.d;
  if ("value" in body) return body.value;
  return body;
}

/** `/Date(1700000000000)/` or `/Date(1700000000000+0060)/` ([MS-ODATA] 2.2.6.3.1); the offset is minutes east of UTC. */
const DATE_TICKS = /^\/Date\((-?\d{1,15})([+-]\d{1,4})?\)\/$/;
/** .NET `DateTime.MinValue`, which Personify sends for "no date". */
const DOTNET_MIN_MS = -62_135_596_800_000;

export type ODataDateResult = { ok: true; value: WireDate | null } | { ok: false; reason: string };

/**
 * An OData date: `/Date(ms[±offset])/` (verbose JSON) or ISO text (JSON light). The day is the
 * calendar day the AMS wrote (ticks plus offset, read as UTC): Personify stores wall-clock dates.
 */
export function parseODataDate(text: string): ODataDateResult {
  const match = DATE_TICKS.exec(text.trim());
  if (!match) return parseWireDate(text);
  const ms = Number(match[1]);
  if (ms <= DOTNET_MIN_MS) return { ok: true, value: null };
  const offsetMinutes = match[2] === undefined ? 0 : Number(match[2]);
  const wall = new Date(ms + offsetMinutes * 60_000);
  if (Number.isNaN(wall.getTime()) || wall.getUTCFullYear() < 1000 || wall.getUTCFullYear() > 9999) {
    return { ok: false, reason: "out of range" };
  }
  return { ok: true, value: { day: wall.toISOString().slice(0, 10), instant: new Date(ms) } };
}

/** A string literal: single quotes, a quote inside doubled (OData URI conventions). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A literal for a key or code: numbers bare, text quoted. */
export function odataLiteral(value: string | number): string {
  return typeof value === "number" ? String(value) : odataString(value);
}

/**
 * An OData v2 `datetime'…'` literal, to the second (rounded down, so a `ge` stays inclusive).
 * Edm.DateTime carries no zone: Personify compares it with its own wall-clock values, the same way
 * it serialized them, so the instant's UTC fields are written as they are.
 */
export function odataDateTime(instant: Date): string {
  return `datetime'${instant.toISOString().slice(0, 19)}'`;
}

/** What an OData error body said. */
export interface ODataError {
  code: string;
  message: string;
}

const xmlParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

const textOf = (value: unknown): string =>
  typeof value === "string" ? value : isObject(value) && typeof value["#text"] === "string" ? value["#text"] : "";

function fromJsonError(body: unknown): ODataError | undefined {
  if (!isObject(body)) return undefined;
  const error = body.error ?? body["odata.error"];
  if (!isObject(error)) return undefined;
  const message = error.message;
  const text = typeof message === "string" ? message : isObject(message) && typeof message.value === "string" ? message.value : "";
  return { code: typeof error.code === "string" ? error.code : "", message: text };
}

function fromXmlError(text: string): ODataError | undefined {
  if (!/<(\w+:)?error[\s>]/.test(text) || /<!DOCTYPE/i.test(text) || XMLValidator.validate(text) !== true) return undefined;
  const doc = xmlParser.parse(text) as Record<string, unknown>;
  const error = doc.error;
  if (!isObject(error)) return undefined;
  return { code: textOf(error.code), message: textOf(error.message) };
}

/** The OData error in a body (JSON in either dialect, or XML), or undefined when it holds none. */
export function readODataError(text: string): ODataError | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return fromJsonError(JSON.parse(trimmed) as unknown);
    } catch {
      return undefined;
    }
  }
  return trimmed.startsWith("<") ? fromXmlError(trimmed) : undefined;
}

/** `OData error "code": message`, shortened, for messages that say what came back. */
export function describeODataError(error: ODataError, maxChars = 200): string {
  const message = error.message.replace(/\s+/g, " ").trim();
  const shown = message.length > maxChars ? `${message.slice(0, maxChars)}…` : message;
  return `OData error${error.code ? ` "${error.code}"` : ""}: ${shown || "(no message)"}`;
}
