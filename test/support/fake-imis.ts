import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ImisSourceConfig } from "../../src/config/imis.config";
import { toPagedResult, typedValue } from "../../src/sources/imis/imis-envelope";
import { parseAmsInstant } from "../../src/sources/member-info/wire-dates";

/** A misbehaviour served instead of the normal answer, for the next `times` requests it applies to. */
export type FakeImisFault =
  | { kind: "unavailable"; times: number }
  | { kind: "tooMany"; times: number; retryAfterSeconds: number }
  /** API requests answered 401 although the token is good (a recycled app pool). */
  | { kind: "unauthorized"; times: number }
  /** The token endpoint refuses the credentials (400 invalid_grant). */
  | { kind: "rejectCredentials"; times: number }
  /** Never answered; held until the client gives up or the fake closes. */
  | { kind: "hang"; times: number };

export interface FakeImisOptions {
  username?: string;
  password?: string;
  /** `expires_in` of issued tokens. */
  tokenLifetimeSeconds?: number;
  /** The fake's clock (token expiry, default UpdatedOn); `Date.now` unless a test drives it. */
  now?: () => number;
  /**
   * Filters (field names, any case) served as not applied, as iMIS's documentation warns
   * `UpdatedOn` sometimes is.
   */
  ignoredFilters?: string[];
}

type Row = { body: Record<string, unknown>; updatedOn: Date | null };

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const HTML_503 = "<!DOCTYPE HTML><HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2></BODY></HTML>";

/**
 * A fake iMIS REST API on 127.0.0.1, port 0, speaking the wire format the connector expects:
 * `POST /token` (password grant, expiring tokens), `GET /api/Party`, `/api/GroupMember` and
 * `/api/Event` with `Field=op:value` filters (`eq`, `ne`, `gt`, `ge`, `lt`, `le`, `in`),
 * `offset`/`limit` paging and the `$type`/`$values` envelope. Its association is mutable and
 * holds raw wire objects, so a test can plant anything, a malformed record included.
 */
export class FakeImis {
  readonly username: string;
  readonly password: string;
  tokenLifetimeSeconds: number;
  /** Field names (lower-case) whose filters are not applied. */
  readonly ignoredFilters: Set<string>;
  readonly parties = new Map<string, Row>();
  readonly groupMembers = new Map<string, Record<string, unknown>[]>();
  readonly events = new Map<string, Row>();
  /** Every request: method, path and query, in order. */
  readonly requests: Array<{ method: string; path: string; query: URLSearchParams }> = [];
  readonly stats = { tokensIssued: 0, faultsServed: 0 };
  private readonly tokens = new Map<string, number>();
  private readonly faults: FakeImisFault[] = [];
  private readonly now: () => number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: FakeImisOptions,
  ) {
    this.username = options.username ?? "amsgate-sync";
    this.password = options.password ?? "fake-imis-password";
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 1_800;
    this.ignoredFilters = new Set((options.ignoredFilters ?? []).map((name) => name.toLowerCase()));
    this.now = options.now ?? Date.now;
  }

  static async start(options: FakeImisOptions = {}): Promise<FakeImis> {
    let fake: FakeImis | undefined;
    const server = createServer((request, response) => void fake!.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake = new FakeImis(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    return fake;
  }

  /** Sets or replaces a Party (any value); `updatedOn` is what `UpdatedOn` filters compare. */
  setParty(partyId: string, body: Record<string, unknown>, updatedOn: Date | null = new Date(this.now())): this {
    this.parties.set(partyId, { body, updatedOn });
    return this;
  }

  /** Deletes the Party (and its group memberships) outright. */
  deleteParty(partyId: string): this {
    this.parties.delete(partyId);
    this.groupMembers.delete(partyId);
    return this;
  }

  setGroupMembers(partyId: string, members: Record<string, unknown>[]): this {
    this.groupMembers.set(partyId, members);
    return this;
  }

  setEvent(eventId: string, body: Record<string, unknown>, updatedOn: Date | null = new Date(this.now())): this {
    this.events.set(eventId, { body, updatedOn });
    return this;
  }

  /** Queue a fault; faults are served in the order queued. */
  fail(fault: FakeImisFault): this {
    if (fault.times > 0) this.faults.push({ ...fault });
    return this;
  }

  /** Every token issued so far stops working (as after an iMIS restart). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  requestsTo(path: string): Array<{ method: string; path: string; query: URLSearchParams }> {
    return this.requests.filter((request) => request.path.toLowerCase() === path.toLowerCase());
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private takeFault(applies: (fault: FakeImisFault) => boolean): FakeImisFault | undefined {
    const fault = this.faults.find(applies);
    if (fault === undefined) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    this.stats.faultsServed += 1;
    return fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readBody(request);
    this.requests.push({ method: request.method ?? "", path: url.pathname, query: url.searchParams });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      const type = typeof payload === "string" ? "text/html" : "application/json; charset=utf-8";
      response.writeHead(status, { "content-type": type, ...headers }).end(text);
    };
    const isToken = url.pathname.toLowerCase() === "/token";
    const fault = this.takeFault((f) => (isToken ? f.kind !== "unauthorized" : f.kind !== "rejectCredentials"));
    if (fault?.kind === "hang") return;
    if (fault?.kind === "unavailable") return send(503, HTML_503);
    if (fault?.kind === "tooMany") return send(429, { Message: "Too many requests." }, { "retry-after": String(fault.retryAfterSeconds) });
    if (isToken) return this.token(request, body, fault?.kind === "rejectCredentials", send);
    if (fault?.kind === "unauthorized" || !this.authorized(request))
      return send(401, { Message: "Authorization has been denied for this request." });
    if (request.method !== "GET") return send(405, { Message: "The requested resource does not support this method." });
    return this.list(url, send);
  }

  private token(request: IncomingMessage, body: string, reject: boolean, send: (status: number, payload: unknown) => void): void {
    const form = new URLSearchParams(body);
    if (request.method !== "POST" || !String(request.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
      return send(400, { error: "invalid_request", error_description: "expected a form POST" });
    }
    if (form.get("grant_type") !== "password") return send(400, { error: "unsupported_grant_type" });
    if (reject || form.get("username") !== this.username || form.get("password") !== this.password) {
      return send(400, { error: "invalid_grant", error_description: "The user name or password is incorrect." });
    }
    const token = randomBytes(24).toString("base64url");
    this.tokens.set(token, this.now() + this.tokenLifetimeSeconds * 1000);
    this.stats.tokensIssued += 1;
    send(200, { access_token: token, token_type: "bearer", expires_in: this.tokenLifetimeSeconds, userName: this.username });
  }

  private authorized(request: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
    const expiresAt = match ? this.tokens.get(match[1]!) : undefined;
    return expiresAt !== undefined && this.now() < expiresAt;
  }

  private list(url: URL, send: (status: number, payload: unknown) => void): void {
    const entity = url.pathname.replace(/^\/api\//i, "").toLowerCase();
    const rows = this.rowsOf(entity, this.ignoredFilters.has("partyid") ? undefined : partyIdsAsked(url.searchParams));
    if (rows === undefined) return send(404, { Message: `No HTTP resource was found that matches the request URI '${url.pathname}'.` });
    let selected = rows;
    for (const [name, value] of url.searchParams) {
      if (["offset", "limit"].includes(name.toLowerCase())) continue;
      const filter = parseFilter(name, value);
      if (typeof filter === "string") return send(400, { Message: "The request is invalid.", ExceptionMessage: filter });
      if (this.ignoredFilters.has(filter.field)) continue;
      const read = fieldReader(entity, filter.field);
      if (read === undefined) return send(400, { Message: "The request is invalid.", ExceptionMessage: `Property '${name}' not found.` });
      selected = selected.filter((row) => filter.test(read(row)));
    }
    const offset = Math.max(0, Number(url.searchParams.get("offset") ?? 0) || 0);
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number(url.searchParams.get("limit") ?? DEFAULT_LIMIT) || DEFAULT_LIMIT));
    const items = selected.slice(offset, offset + limit).map((row) => row.body);
    send(200, toPagedResult(items, { offset, limit, totalCount: selected.length }));
  }

  /** The entity's rows in PartyId (or EventId) order; only the asked-for parties when a `PartyId=in:` names them (the filter still runs). */
  private rowsOf(entity: string, partyIds: string[] | undefined): Row[] | undefined {
    const keys = (map: Map<string, unknown>) => (partyIds ? [...new Set(partyIds)].filter((key) => map.has(key)) : [...map.keys()]).sort();
    if (entity === "party") return keys(this.parties).map((key) => this.parties.get(key)!);
    if (entity === "groupmember") {
      return keys(this.groupMembers).flatMap((key) => this.groupMembers.get(key)!.map((body) => ({ body, updatedOn: null })));
    }
    if (entity === "event") return [...this.events.keys()].sort().map((key) => this.events.get(key)!);
    return undefined;
  }
}

/** The ids of a `PartyId=in:` or `PartyId=eq:` filter, if there is one. */
function partyIdsAsked(query: URLSearchParams): string[] | undefined {
  for (const [name, value] of query) {
    if (name.toLowerCase() !== "partyid") continue;
    if (value.toLowerCase().startsWith("in:")) return value.slice(3).split("|");
    if (value.toLowerCase().startsWith("eq:")) return [value.slice(3)];
  }
  return undefined;
}

/** What a filter compares, per entity and field (lower-case). */
function fieldReader(entity: string, field: string): ((row: Row) => unknown) | undefined {
  if (field === "updatedon" && entity !== "groupmember") return (row) => row.updatedOn;
  if (field === "partyid" && entity === "party") return (row) => typedValue(row.body.PartyId);
  if (field === "partyid" && entity === "groupmember") return (row) => (row.body.Party as { PartyId?: unknown } | undefined)?.PartyId;
  if (field === "eventid" && entity === "event") return (row) => row.body.EventId;
  return undefined;
}

function compare(actual: unknown, expected: string): number | undefined {
  if (actual instanceof Date) {
    const at = parseAmsInstant(expected);
    return at === null ? undefined : actual.getTime() - at.getTime();
  }
  if (actual === null || actual === undefined) return undefined;
  return String(actual).localeCompare(expected);
}

/** `op:value` as iMIS's documented query operators read it. */
function parseFilter(name: string, text: string): { field: string; test: (actual: unknown) => boolean } | string {
  const colon = text.indexOf(":");
  const op = colon < 0 ? "eq" : text.slice(0, colon).toLowerCase();
  const value = colon < 0 ? text : text.slice(colon + 1);
  const field = name.toLowerCase();
  const by = (accept: (order: number) => boolean) => (actual: unknown) => {
    const order = compare(actual, value);
    return order !== undefined && accept(order);
  };
  switch (op) {
    case "eq":
      return { field, test: by((order) => order === 0) };
    case "ne":
      return { field, test: by((order) => order !== 0) };
    case "gt":
      return { field, test: by((order) => order > 0) };
    case "ge":
      return { field, test: by((order) => order >= 0) };
    case "lt":
      return { field, test: by((order) => order < 0) };
    case "le":
      return { field, test: by((order) => order <= 0) };
    case "in": {
      const wanted = new Set(value.split("|"));
      return { field, test: (actual) => actual !== null && actual !== undefined && wanted.has(String(actual)) };
    }
    default:
      return `Unknown operator '${op}' in '${name}=${text}'.`;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A connector configuration pointing at `fake`: quick retries, small pages, the fake's groups mapped. */
export function imisSourceConfig(fake: FakeImis, overrides: Partial<ImisSourceConfig> = {}): ImisSourceConfig {
  return {
    url: fake.url,
    username: fake.username,
    password: fake.password,
    timeoutMs: 2_000,
    retries: 3,
    retryBaseMs: 0,
    pageSize: 100,
    batchSize: 50,
    tokenRefreshMarginMs: 60_000,
    groupRules: [
      { groupClass: "Committee", target: { kind: "community", type: "Committee", subType: null } },
      { groupClass: "Chapter", target: { kind: "community", type: "Chapter", subType: null } },
      { groupClass: "Special Interest Group", target: { kind: "community", type: "Special Interest Group", subType: null } },
      { groupClass: "Access Group", target: { kind: "security" } },
    ],
    staffTypes: ["STAFF"],
    memberTypeAttribute: "CustomerTypeCode",
    paidThroughAttribute: "PaidThruDate",
    joinDateAttribute: "JoinDate",
    activeStatuses: ["A", "Active"],
    ...overrides,
  };
}
