import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jwtVerify, type KeyLike } from "jose";
import { FakeOrg, salesforceInstant } from "./fake-salesforce-org";
import { parseSoql, SoqlError } from "./fake-salesforce-soql";

/** The connected app the fake accepts. */
export interface FakeSalesforceOptions {
  clientId: string;
  /** Client credentials flow: the secret it accepts. */
  clientSecret?: string;
  /** JWT bearer flow: the certificate's public key and the integration user. */
  publicKey?: KeyLike;
  username?: string;
  /** The org's clock (SystemModstamp, the 30-day rule, JWT expiry); the real one by default. */
  clock?: () => Date;
  /** Records per query page before nextRecordsUrl (Salesforce: up to 2,000). */
  pageSize?: number;
  /** More ids than this from sObject Get Updated is EXCEEDED_ID_LIMIT (Salesforce: 600,000). */
  idLimit?: number;
  /** The daily API limit reported in Sforce-Limit-Info. */
  apiLimit?: number;
}

type Fault =
  | { kind: "unavailable"; times: number }
  | { kind: "session"; times: number }
  | { kind: "token"; times: number }
  | { kind: "limit"; times: number; status: 429 | 403; retryAfterSeconds: number | null };

const DAY_MS = 24 * 60 * 60_000;
const API_PATH = /^\/services\/data\/v(\d+\.\d)(\/.*)$/;

/**
 * A Salesforce org over real HTTP on 127.0.0.1, port 0, speaking the REST wire format the
 * connector uses: the OAuth token endpoint (client credentials; JWT bearer with the assertion's
 * RS256 signature, iss, sub, aud and exp checked), sObject Get Updated / Get Deleted with their
 * 30- and 15-day rules and minute granularity, Query / QueryAll with a SOQL subset and
 * nextRecordsUrl paging, and Sforce-Limit-Info on every answer. Faults are injected by count.
 */
export class FakeSalesforce {
  readonly org: FakeOrg;
  /** Requests by kind, for assertions: "token", "updated", "deleted", "query", "more". */
  readonly calls: string[] = [];
  readonly soql: string[] = [];
  private readonly server: Server;
  private readonly tokens = new Set<string>();
  private readonly cursors = new Map<string, Array<Record<string, unknown>>>();
  private faults: Fault[] = [];
  private readonly writable = new Map<string, Set<string>>();
  private apiUsed = 0;
  private baseUrl = "";

  private constructor(private readonly options: FakeSalesforceOptions) {
    this.org = new FakeOrg(options.clock ?? (() => new Date()));
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) =>
        this.json(response, 500, [{ errorCode: "UNKNOWN_EXCEPTION", message: String(error) }]),
      );
    });
  }

  static async start(options: FakeSalesforceOptions): Promise<FakeSalesforce> {
    const fake = new FakeSalesforce(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Both the login URL and the instance URL. */
  get url(): string {
    return this.baseUrl;
  }

  /** The next `times` API calls answer 503. */
  failUnavailable(times: number): void {
    this.faults.push({ kind: "unavailable", times });
  }

  /** The next `times` API calls answer 401 INVALID_SESSION_ID (as when a session times out). */
  failSession(times: number): void {
    this.faults.push({ kind: "session", times });
  }

  /** The next `times` token requests answer 400 invalid_grant. */
  failToken(times: number): void {
    this.faults.push({ kind: "token", times });
  }

  /** The next `times` API calls hit the org's limit: 429, or 403 REQUEST_LIMIT_EXCEEDED. */
  failLimit(times: number, options: { status?: 429 | 403; retryAfterSeconds?: number | null } = {}): void {
    this.faults.push({ kind: "limit", times, status: options.status ?? 403, retryAfterSeconds: options.retryAfterSeconds ?? null });
  }

  /** Ends every issued session, so the next call with one answers 401. */
  expireSessions(): void {
    this.tokens.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(kinds: Fault["kind"][]): Fault | undefined {
    const fault = this.faults.find((candidate) => kinds.includes(candidate.kind) && candidate.times > 0);
    if (fault) fault.times -= 1;
    this.faults = this.faults.filter((candidate) => candidate.times > 0);
    return fault;
  }

  private now(): Date {
    return this.org.clock();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.baseUrl);
    if (request.method === "POST" && url.pathname === "/services/oauth2/token") return this.token(request, response);
    const api = API_PATH.exec(url.pathname);
    if (!api) return this.json(response, 404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    this.apiUsed += 1;
    const fault = this.takeFault(["unavailable", "session", "limit"]);
    if (fault?.kind === "unavailable")
      return this.json(response, 503, [{ errorCode: "SERVER_UNAVAILABLE", message: "Service temporarily unavailable" }]);
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (fault?.kind === "session" || token === undefined || !this.tokens.has(token)) {
      return this.json(response, 401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    }
    if (fault?.kind === "limit") {
      const headers: Record<string, string> = fault.retryAfterSeconds === null ? {} : { "retry-after": String(fault.retryAfterSeconds) };
      return this.json(
        response,
        fault.status,
        [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }],
        headers,
      );
    }
    const [, version, rest] = api as unknown as [string, string, string];
    const replication = /^\/sobjects\/(\w+)\/(updated|deleted)\/$/.exec(rest);
    if (replication) return this.replicate(response, replication[1]!, replication[2] as "updated" | "deleted", url);
    if (rest === "/query" || rest === "/query/" || rest === "/queryAll" || rest === "/queryAll/") {
      return this.query(response, url.searchParams.get("q") ?? "", rest.startsWith("/queryAll"), version);
    }
    const upsert = /^\/sobjects\/(\w+)\/(\w+)\/([^/]+)$/.exec(rest);
    if (upsert && request.method === "PATCH") {
      return this.upsert(request, response, upsert[1]!, upsert[2]!, decodeURIComponent(upsert[3]!));
    }
    const more = /^\/(?:query|queryAll)\/([\w-]+)$/.exec(rest);
    if (more) return this.more(response, more[1]!, version);
    return this.json(response, 404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
  }

  private async token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.calls.push("token");
    const form = new URLSearchParams(await readBody(request));
    if (this.takeFault(["token"])) return this.json(response, 400, { error: "invalid_grant", error_description: "authentication failure" });
    const grant = form.get("grant_type");
    if (grant === "client_credentials") {
      if (
        form.get("client_id") !== this.options.clientId ||
        this.options.clientSecret === undefined ||
        form.get("client_secret") !== this.options.clientSecret
      ) {
        return this.json(response, 400, { error: "invalid_client", error_description: "invalid client credentials" });
      }
    } else if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      const refusal = await this.checkAssertion(form.get("assertion") ?? "");
      if (refusal) return this.json(response, 400, { error: "invalid_grant", error_description: refusal });
    } else {
      return this.json(response, 400, { error: "unsupported_grant_type", error_description: "grant type not supported" });
    }
    const accessToken = `00D000000000001!${randomBytes(12).toString("hex")}`;
    this.tokens.add(accessToken);
    return this.json(response, 200, {
      access_token: accessToken,
      instance_url: this.baseUrl,
      id: `${this.baseUrl}/id/00D000000000001AAA/005000000000001AAA`,
      token_type: "Bearer",
      issued_at: String(this.now().getTime()),
      signature: "fake",
    });
  }

  /** What Salesforce would say is wrong with the assertion, or null when it is good. */
  private async checkAssertion(assertion: string): Promise<string | null> {
    if (!this.options.publicKey) return "JWT bearer is not configured";
    try {
      const { payload, protectedHeader } = await jwtVerify(assertion, this.options.publicKey, {
        algorithms: ["RS256"],
        issuer: this.options.clientId,
        audience: this.baseUrl,
        subject: this.options.username,
        requiredClaims: ["exp"],
        currentDate: this.now(),
      });
      if (protectedHeader.alg !== "RS256" || typeof payload.exp !== "number") return "invalid assertion";
      // Salesforce refuses assertions that live longer than a few minutes.
      if (payload.exp * 1000 - this.now().getTime() > 5 * 60_000) return "expiration too far in the future";
      return null;
    } catch (error) {
      return (error as { code?: string }).code === "ERR_JWT_EXPIRED" ? "expired authorization code" : "invalid assertion";
    }
  }

  private replicate(response: ServerResponse, object: string, kind: "updated" | "deleted", url: URL): void {
    this.calls.push(kind);
    const start = Date.parse(url.searchParams.get("start") ?? "");
    const end = Date.parse(url.searchParams.get("end") ?? "");
    const nowMs = this.now().getTime();
    const floor = (ms: number) => Math.floor(ms / 60_000) * 60_000;
    const windowDays = kind === "updated" ? 30 : 15;
    if (Number.isNaN(start) || Number.isNaN(end))
      return this.json(response, 400, [{ errorCode: "INVALID_REPLICATION_DATE", message: "start and end must be ISO-8601 date-times" }]);
    if (start < nowMs - windowDays * DAY_MS) {
      return this.json(response, 400, [
        { errorCode: "INVALID_REPLICATION_DATE", message: `startDate must be within the last ${windowDays} days` },
      ]);
    }
    // Seconds are ignored; an end in the future covers up to now.
    const from = floor(start);
    const to = floor(Math.min(end, nowMs));
    if (from >= to)
      return this.json(response, 400, [
        { errorCode: "INVALID_REPLICATION_DATE", message: "startDate must chronologically precede endDate" },
      ]);
    const covered = salesforceInstant(new Date(to));
    if (kind === "deleted") {
      return this.json(response, 200, {
        deletedRecords: this.org.deletedIds(object, from, to),
        earliestDateAvailable: salesforceInstant(new Date(nowMs - 15 * DAY_MS)),
        latestDateCovered: covered,
      });
    }
    const ids = this.org.updatedIds(object, from, to);
    if (ids.length > (this.options.idLimit ?? 600_000)) {
      return this.json(response, 400, [
        { errorCode: "EXCEEDED_ID_LIMIT", message: "ID limit exceeded; choose start and end dates closer together" },
      ]);
    }
    return this.json(response, 200, { ids, latestDateCovered: covered });
  }

  private query(response: ServerResponse, text: string, all: boolean, version: string): void {
    this.calls.push("query");
    this.soql.push(text);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = this.org.select(parseSoql(text), { all, apiVersion: version });
    } catch (error) {
      if (error instanceof SoqlError) return this.json(response, 400, [{ errorCode: "MALFORMED_QUERY", message: error.message }]);
      throw error;
    }
    this.page(response, rows, `01g${randomBytes(6).toString("hex")}`, 0, version);
  }

  private more(response: ServerResponse, locator: string, version: string): void {
    this.calls.push("more");
    const [id, offset] = [locator.slice(0, locator.lastIndexOf("-")), Number(locator.slice(locator.lastIndexOf("-") + 1))];
    const rows = this.cursors.get(id);
    if (!rows) return this.json(response, 400, [{ errorCode: "INVALID_QUERY_LOCATOR", message: "invalid query locator" }]);
    this.page(response, rows, id, offset, version);
  }

  private page(response: ServerResponse, rows: Array<Record<string, unknown>>, locator: string, offset: number, version: string): void {
    const size = this.options.pageSize ?? 2_000;
    const records = rows.slice(offset, offset + size);
    const done = offset + size >= rows.length;
    if (done) this.cursors.delete(locator);
    else this.cursors.set(locator, rows);
    const next = done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${locator}-${offset + size}` };
    this.json(response, 200, { totalSize: rows.length, done, ...next, records });
  }

  /**
   * Upsert by external id, as Salesforce does it: 201 `{ id, success, errors, created: true }` for a
   * new record, 204 for an update of the one holding the value. Objects must be declared first
   * (`declareObject`), and a field the object lacks is 400 INVALID_FIELD.
   */
  private async upsert(request: IncomingMessage, response: ServerResponse, object: string, field: string, value: string): Promise<void> {
    this.calls.push("upsert");
    const fields = this.writable.get(object);
    if (!fields) return this.json(response, 404, [{ errorCode: "NOT_FOUND", message: `The requested resource does not exist: ${object}` }]);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    } catch {
      return this.json(response, 400, [{ errorCode: "JSON_PARSER_ERROR", message: "The body is not JSON" }]);
    }
    const unknown = [field, ...Object.keys(body)].find((name) => !fields.has(name));
    if (unknown !== undefined) {
      return this.json(response, 400, [
        { errorCode: "INVALID_FIELD", message: `No such column '${unknown}' on sobject of type ${object}` },
      ]);
    }
    const existing = this.org.rows(object).find((row) => row[field] === value);
    if (existing) {
      this.org.update(existing.Id as string, body);
      response.writeHead(204, { "sforce-limit-info": `api-usage=${this.apiUsed}/${this.options.apiLimit ?? 100_000}` });
      return void response.end();
    }
    const id = this.org.insert(object, { ...body, [field]: value });
    return this.json(response, 201, { id, success: true, errors: [], created: true });
  }

  /** Makes `object` take upserts with these fields (its external-id field included). */
  declareObject(object: string, fields: readonly string[]): void {
    this.writable.set(object, new Set(fields));
  }

  private json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, {
      "content-type": "application/json;charset=UTF-8",
      "sforce-limit-info": `api-usage=${this.apiUsed}/${this.options.apiLimit ?? 100_000}`,
      ...headers,
    });
    response.end(JSON.stringify(body));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
