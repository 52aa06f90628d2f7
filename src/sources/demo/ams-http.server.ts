import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleepFor } from "node:timers/promises";
import type { Logger } from "../../observability/logger";
import type { ActivityWriteBack } from "../ams-source";
import type { AmsDataset } from "./ams-dataset";
import {
  activitiesRoute,
  authenticateRoute,
  listActivitiesRoute,
  changedEventsRoute,
  changedMembersRoute,
  MALFORMATIONS,
  membersRoute,
  resolveSsoRoute,
  type Reply,
  type RouteContext,
} from "./ams-http.routes";

export interface AmsHttpServerOptions {
  /** Clients must send `Authorization: Bearer <apiKey>` on every route. */
  apiKey: string;
  /** Entries per page of `/changed-members` and `/changed-events`; default 1,000. */
  pageSize?: number;
  /** Share of requests (0–1) answered 503 or left hanging until the client gives up, half each. */
  faultRate?: number;
  /** Added before every answer. */
  latencyMs?: number;
  /** Share of member records (0–1) sent malformed, drawn per record per response. */
  malformedRate?: number;
  /**
   * Draws for faults and malformation, `Math.random` by default. Drawn only when a rate is above
   * 0: per request one draw for a fault and, on a fault, one for its kind (< 0.5 → 503); per
   * member record one draw for malformation and, when malformed, one for the way.
   */
  random?: () => number;
  /** How latency is waited out; tests may pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** Test hook: runs before `/members` reads, e.g. to delay or count concurrent calls. */
  beforeMembers?: (keys: string[]) => Promise<void> | void;
  /** Test hook: runs before each `/changed-members` page (0 = first), e.g. to change data mid-listing. */
  onChangedMembersPage?: (pageIndex: number) => Promise<void> | void;
  /**
   * Test hook: sees every request first, before the key is checked; a reply it returns is sent
   * as it is (a scripted 503, 401, or 429 with Retry-After), undefined lets the request through.
   */
  intercept?: (request: { method: string; path: string }) => Reply | undefined;
  /** Test hook: runs after `POST /activities` recorded an activity, before it answers (e.g. to hang mid-send). */
  afterActivity?: (activity: ActivityWriteBack) => Promise<void> | void;
}

/** What the server did, for tests and logs. */
export interface AmsHttpServerStats {
  requests: number;
  unauthorized: number;
  unavailable: number;
  hung: number;
  malformed: number;
}

type Route = (ctx: RouteContext) => Promise<Reply>;

const ROUTES: Readonly<Record<string, Partial<Record<"GET" | "POST", Route>>>> = {
  "/changed-members": { GET: changedMembersRoute },
  "/members": { GET: membersRoute },
  "/changed-events": { GET: changedEventsRoute },
  "/authenticate": { POST: authenticateRoute },
  "/sso/resolve": { POST: resolveSsoRoute },
  "/activities": { POST: activitiesRoute, GET: listActivitiesRoute },
};

const MAX_BODY_BYTES = 64 * 1024;

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Serves any {@link AmsDataset} over the amsgate JSON source protocol (contract §1), with fault
 * injection for resilience tests and the demo: 503s, hung requests, latency and malformed records.
 */
export class AmsHttpServer {
  readonly stats: AmsHttpServerStats = { requests: 0, unauthorized: 0, unavailable: 0, hung: 0, malformed: 0 };
  private readonly server: Server;
  private readonly random: () => number;
  private readonly apiKeyDigest: Buffer;
  private readonly seenActivities = new Set<string>();
  /** `POST /activities` requests per idempotency key, duplicates included: tests count re-sends. */
  readonly activityPosts = new Map<string, number>();
  private address: string | undefined;

  constructor(
    private readonly dataset: AmsDataset,
    private readonly options: AmsHttpServerOptions,
  ) {
    this.random = options.random ?? Math.random;
    this.apiKeyDigest = digest(options.apiKey);
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  /** Listens on 127.0.0.1 unless told otherwise; port 0 picks a free port. Resolves to the base URL. */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const { port: actual } = this.server.address() as AddressInfo;
    this.address = `http://${host.includes(":") ? `[${host}]` : host}:${actual}`;
    return this.address;
  }

  get url(): string {
    if (this.address === undefined) throw new Error("the AMS server is not listening");
    return this.address;
  }

  /** Stops listening and destroys every open socket, hung requests included. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    const url = new URL(request.url ?? "/", "http://ams.invalid");
    try {
      const reply = await this.reply(request, url);
      if (reply === "hang") return;
      send(response, reply);
      this.options.logger?.debug({ method: request.method, path: url.pathname, status: reply.status }, "demo AMS request");
    } catch (error) {
      this.options.logger?.error({ err: error, method: request.method, path: url.pathname }, "demo AMS request failed");
      if (!response.headersSent) send(response, { status: 500, body: { error: "internal" } });
    }
  }

  private async reply(request: IncomingMessage, url: URL): Promise<Reply | "hang"> {
    const scripted = this.options.intercept?.({ method: request.method ?? "GET", path: url.pathname });
    if (scripted !== undefined) return scripted;
    if (!this.authorized(request)) {
      this.stats.unauthorized += 1;
      return { status: 401, body: { error: "unauthorized", message: "The API key is missing or not valid." } };
    }
    if ((this.options.latencyMs ?? 0) > 0) await (this.options.sleep ?? sleepFor)(this.options.latencyMs!);
    const fault = this.drawFault();
    if (fault === "hang") return "hang";
    if (fault === "unavailable") return { status: 503, body: { error: "unavailable", message: "Try again later." } };
    const entry = ROUTES[url.pathname];
    if (entry === undefined) return { status: 404, body: { error: "not_found" } };
    const method = request.method === "GET" || request.method === "POST" ? request.method : undefined;
    const route = method === undefined ? undefined : entry[method];
    if (route === undefined) return { status: 405, body: { error: "method_not_allowed" } };
    let body: unknown;
    if (method === "POST") {
      const read = await readJsonBody(request);
      if ("status" in read) return read;
      body = read.value;
    }
    return route(this.context(url, body));
  }

  private context(url: URL, body: unknown): RouteContext {
    return {
      dataset: this.dataset,
      query: url.searchParams,
      body,
      pageSize: this.options.pageSize ?? 1_000,
      maybeMalform: (info) => this.maybeMalform(info),
      beforeMembers: this.options.beforeMembers,
      onChangedMembersPage: this.options.onChangedMembersPage,
      seenActivities: this.seenActivities,
      activityPosts: this.activityPosts,
      afterActivity: this.options.afterActivity,
    };
  }

  /** Compares digests so neither the key's content nor its length leaks through timing. */
  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer (.+)$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), this.apiKeyDigest);
  }

  private drawFault(): "unavailable" | "hang" | undefined {
    const rate = this.options.faultRate ?? 0;
    if (rate <= 0 || this.random() >= rate) return undefined;
    if (this.random() < 0.5) {
      this.stats.unavailable += 1;
      return "unavailable";
    }
    this.stats.hung += 1;
    return "hang";
  }

  /** Breaks a copy of the record, keeping its LegacyContactKey so the failure is attributable. */
  private maybeMalform(info: unknown): unknown {
    const rate = this.options.malformedRate ?? 0;
    if (rate <= 0 || this.random() >= rate) return info;
    const way = MALFORMATIONS[Math.min(MALFORMATIONS.length - 1, Math.floor(this.random() * MALFORMATIONS.length))]!;
    const copy = structuredClone(info) as Record<string, unknown>;
    const details = copy?.MemberDetails;
    if (typeof details !== "object" || details === null) return info;
    way(details as Record<string, unknown>, copy);
    this.stats.malformed += 1;
    return copy;
  }
}

function send(response: ServerResponse, reply: Reply): void {
  const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    ...reply.headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

async function readJsonBody(request: IncomingMessage): Promise<{ value: unknown } | Reply> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { status: 413, body: { error: "body_too_large" } };
    chunks.push(chunk as Buffer);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown };
  } catch {
    return { status: 400, body: { error: "bad_request", message: "the body is not JSON" } };
  }
}
