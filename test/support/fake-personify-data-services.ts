import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakePersonifySignOn } from "./personify-fake-soap";
import { FAKE_PROPERTIES, PersonifyFakeStore } from "./personify-fake-store";
import { FilterSyntaxError, parseFilter, type Row } from "./personify-odata-filter";

/** Where the fake answers: the OData service root, and the sign-on web service. */
export const FAKE_SERVICE_PATH = "/PersonifyDataServices/PersonifyData.svc";
export const FAKE_SSO_PATH = "/SSO/webservice/service.asmx";

/** A misbehaviour served instead of the next `times` data answers. */
export type FakeFault =
  | { kind: "unavailable"; times: number }
  | { kind: "auth"; times: number }
  | { kind: "retryAfter"; retryAfterSeconds: number; times: number }
  | { kind: "error"; status: number; body: string; contentType: string; times: number };

export interface FakePersonifyOptions {
  username?: string;
  password?: string;
  /** Verbose JSON (`{"d":{"results"}}`, `/Date()/`) as WCF Data Services V2 writes it, or JSON light. */
  format?: "verbose" | "light";
  /** Server-driven paging: at most this many rows per answer, with a next link. */
  serverPageSize?: number;
  /** False: ignore `$top`/`$skip`, as a service whose provider does not support them would. */
  honorTop?: boolean;
  /** Longer request URLs are answered 414. */
  maxUrlLength?: number;
  /** Property names per entity set; the default mapping's by default. */
  properties?: Record<string, ReadonlySet<string>>;
}

export interface FakeRequest {
  method: string;
  entitySet: string;
  url: string;
  params: URLSearchParams;
}

const XML_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="utf-8" standalone="yes"?><error xmlns="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><code>${code}</code><message xml:lang="en-US">${message}</message></error>`;

/**
 * Personify Data Services on 127.0.0.1, port 0, for tests: an OData v2/v3 service over a mutable
 * in-memory association ({@link PersonifyFakeStore}), with HTTP Basic credentials, `$filter`
 * (the documented operators), `$select`, `$top`/`$skip`, server-driven next links, both JSON
 * dialects, OData error bodies and injected faults; plus the sign-on web service's credential calls.
 */
export class FakePersonifyDataServices {
  readonly store = new PersonifyFakeStore();
  readonly signOn = new FakePersonifySignOn("vendor-user", "vendor-secret");
  readonly requests: FakeRequest[] = [];
  readonly username: string;
  readonly password: string;
  options: Required<Omit<FakePersonifyOptions, "username" | "password" | "serverPageSize" | "maxUrlLength">> &
    Pick<FakePersonifyOptions, "serverPageSize" | "maxUrlLength">;
  private readonly faults: Array<FakeFault & { left: number }> = [];
  private readonly server: Server;
  private origin = "";

  constructor(options: FakePersonifyOptions = {}) {
    this.username = options.username ?? "pds-user";
    this.password = options.password ?? "pds-secret";
    this.options = {
      format: options.format ?? "verbose",
      honorTop: options.honorTop ?? true,
      properties: options.properties ?? FAKE_PROPERTIES,
      serverPageSize: options.serverPageSize,
      maxUrlLength: options.maxUrlLength,
    };
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  /** The OData service root, as PERSONIFY_URL takes it. */
  get url(): string {
    return `${this.origin}${FAKE_SERVICE_PATH}`;
  }

  get ssoUrl(): string {
    return `${this.origin}${FAKE_SSO_PATH}`;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Serves `fault` instead of the next `fault.times` data answers (after any faults already queued). */
  fail(fault: FakeFault): void {
    this.faults.push({ ...fault, left: fault.times });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.origin);
    const body = await readBody(request);
    if (request.method === "POST" && url.pathname === FAKE_SSO_PATH) {
      const answer = this.signOn.answer(body, request.headers.soapaction as string | undefined);
      return send(response, answer.status, answer.body, "text/xml; charset=utf-8");
    }
    if (!url.pathname.startsWith(`${FAKE_SERVICE_PATH}/`)) return send(response, 404, "Not Found", "text/plain");
    const entitySet = decodeURIComponent(url.pathname.slice(FAKE_SERVICE_PATH.length + 1));
    this.requests.push({ method: request.method ?? "GET", entitySet, url: url.toString(), params: url.searchParams });
    if (!this.authorized(request.headers.authorization)) {
      response.setHeader("www-authenticate", 'Basic realm="Personify Data Services"');
      return send(response, 401, "Unauthorized", "text/plain");
    }
    const fault = this.nextFault();
    if (fault) return this.serveFault(response, fault);
    if (this.options.maxUrlLength !== undefined && (request.url ?? "").length > this.options.maxUrlLength) {
      return send(response, 414, "URI Too Long", "text/plain");
    }
    const rows = this.store.sets.get(entitySet);
    if (request.method !== "GET" || rows === undefined) {
      return send(response, 404, XML_ERROR("", `Resource not found for the segment '${entitySet}'.`), "application/xml");
    }
    try {
      this.serveRows(response, url, entitySet, rows);
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      send(response, 400, JSON.stringify({ error: { code: "", message: { lang: "en-US", value: error.message } } }), "application/json");
    }
  }

  private serveRows(response: ServerResponse, url: URL, entitySet: string, all: Row[]): void {
    const properties = this.options.properties[entitySet] ?? new Set<string>();
    const knows = (name: string) => properties.has(name);
    const params = url.searchParams;
    const filter = params.get("$filter");
    const predicate = filter === null ? () => true : parseFilter(filter, knows);
    const select =
      params
        .get("$select")
        ?.split(",")
        .map((name) => name.trim())
        .filter(Boolean) ?? [];
    for (const name of select) if (!knows(name)) throw new FilterSyntaxError(`No property '${name}' exists in type '${entitySet}'.`);
    let rows = all.filter(predicate);
    if (this.options.honorTop) {
      const skip = Number(params.get("$skip") ?? 0);
      const top = params.has("$top") ? Number(params.get("$top")) : Number.POSITIVE_INFINITY;
      rows = rows.slice(skip, skip + top);
    }
    const offset = Number(params.get("$skiptoken") ?? 0);
    const size = this.options.serverPageSize ?? Number.POSITIVE_INFINITY;
    const page = rows.slice(offset, offset + size);
    let next: string | null = null;
    if (offset + page.length < rows.length) {
      const nextUrl = new URL(url);
      nextUrl.searchParams.set("$skiptoken", String(offset + page.length));
      next = nextUrl.toString();
    }
    const shaped = page.map((row) => this.shape(entitySet, row, select));
    const body =
      this.options.format === "verbose"
        ? { d: { results: shaped, ...(next ? { __next: next } : {}) } }
        : { "odata.metadata": `${this.url}/$metadata#${entitySet}`, value: shaped, ...(next ? { "odata.nextLink": next } : {}) };
    send(
      response,
      200,
      JSON.stringify(body),
      this.options.format === "verbose"
        ? "application/json;odata=verbose;charset=utf-8"
        : "application/json;odata=minimalmetadata;charset=utf-8",
    );
  }

  private shape(entitySet: string, row: Row, select: string[]): Row {
    const names = select.length > 0 ? select : Object.keys(row);
    const out: Row =
      this.options.format === "verbose" ? { __metadata: { uri: `${this.url}/${entitySet}`, type: `Personify.${entitySet}` } } : {};
    for (const name of names) {
      const value = row[name];
      out[name] =
        value instanceof Date
          ? this.options.format === "verbose"
            ? `/Date(${value.getTime()})/`
            : value.toISOString().slice(0, 23)
          : (value ?? null);
    }
    return out;
  }

  private authorized(header: string | undefined): boolean {
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString("base64")}`;
    return header === expected;
  }

  private nextFault(): FakeFault | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left <= 0) this.faults.shift();
    return fault;
  }

  private serveFault(response: ServerResponse, fault: FakeFault): void {
    if (fault.kind === "unavailable")
      return send(response, 503, XML_ERROR("", "The service is temporarily unavailable."), "application/xml");
    if (fault.kind === "auth") return send(response, 401, "Unauthorized", "text/plain");
    if (fault.kind === "retryAfter") {
      response.setHeader("retry-after", String(fault.retryAfterSeconds));
      return send(response, 429, "Too Many Requests", "text/plain");
    }
    send(response, fault.status, fault.body, fault.contentType);
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

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/** Starts a fake on a free loopback port. */
export async function startFakePersonify(options: FakePersonifyOptions = {}): Promise<FakePersonifyDataServices> {
  return new FakePersonifyDataServices(options).listen();
}
