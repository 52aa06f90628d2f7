import { amsRetryPolicy } from "../ams-retry.policy";
import type { RetryPolicy } from "cockatiel";
import type { Logger } from "../../observability/logger";
import { retryAfterMs } from "../rest/rest.client";
import { SourceError, SourceErrorCode } from "../source.error";
import { describeODataError, type ODataPage, readCollection, readODataError } from "./personify-odata.wire";

/** What the OData client needs of the configuration. */
export interface PersonifyODataSettings {
  /** The service root, e.g. `https://host/PersonifyDataServices/PersonifyData.svc`, without a trailing slash. */
  url: string;
  username: string;
  password: string;
  /** Per HTTP request. */
  timeoutMs: number;
  /** Further tries of a request that failed temporarily. */
  retries: number;
  /** First retry delay; doubles each try. */
  retryBaseMs: number;
  /** `$top` of each request; 0 sends none and relies on the server's own paging. */
  pageSize: number;
}

export interface PersonifyODataDeps {
  logger: Logger;
  /** Jitter for retry delays; `Math.random` by default. */
  random?: () => number;
  /** Node's global fetch unless a test replays recorded answers. */
  fetch?: typeof fetch;
  /** Reads `Retry-After` dates against it; `Date.now` by default. */
  now?: () => number;
  /** The longest wait retried inside one call (default 30 s); a longer `Retry-After` goes back to the caller. */
  maxInCallDelayMs?: number;
}

/** One `GET <entitySet>?$filter=…&$select=…`. */
export interface ODataQuery {
  filter: string | null;
  select: readonly string[];
}

const BODY_SNIPPET_CHARS = 120;

/**
 * Personify Data Services over HTTP: Basic credentials on every request, a timeout per request,
 * retries of temporary failures (decided by `isRetryable`, with the REST client's backoff and
 * Retry-After handling), and listings that follow the server's next link or, when the server sends
 * none, page on with `$skip`. Answers are classified into `SourceError` codes with what came back.
 * Never logs the credentials.
 */
export class PersonifyODataClient {
  private readonly policy: RetryPolicy;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly authorization: string;
  private readonly root: URL;

  constructor(
    private readonly settings: PersonifyODataSettings,
    deps: PersonifyODataDeps,
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
    this.now = deps.now ?? Date.now;
    this.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password}`, "utf8").toString("base64")}`;
    this.root = new URL(`${settings.url}/`);
    this.policy = amsRetryPolicy({
      ...settings,
      maxInCallDelayMs: deps.maxInCallDelayMs,
      random: deps.random,
      logger: deps.logger,
      label: "Personify",
    });
  }

  /** The length of the first request's URL, so callers can keep a filter under the server's limit. */
  urlLength(entitySet: string, query: ODataQuery): number {
    return this.queryUrl(entitySet, query, 0).length;
  }

  /**
   * Every row of the set matching the query, page by page. Follows `__next`/`odata.nextLink`
   * (same service only; a link seen twice is a loop); without one, a full page of `$top` rows
   * asks for the next with `$skip`, and a page larger than `$top` means the server ignored it.
   */
  async *list(entitySet: string, query: ODataQuery): AsyncGenerator<unknown[]> {
    const { pageSize } = this.settings;
    const followed = new Set<string>();
    let skip = 0;
    let url = this.queryUrl(entitySet, query, skip);
    for (;;) {
      const page = await this.getPage(entitySet, url);
      if (page.rows.length > 0) yield page.rows;
      if (page.next !== null) {
        url = this.nextUrl(entitySet, page.next, url);
        if (followed.has(url))
          throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `GET ${entitySet}: the next link repeats one already followed`);
        followed.add(url);
        continue;
      }
      if (pageSize === 0 || page.rows.length !== pageSize || followed.size > 0) return;
      skip += pageSize;
      url = this.queryUrl(entitySet, query, skip);
    }
  }

  private queryUrl(entitySet: string, query: ODataQuery, skip: number): string {
    const parts: string[] = [];
    if (query.filter !== null) parts.push(`$filter=${encodeURIComponent(query.filter)}`);
    if (query.select.length > 0) parts.push(`$select=${[...new Set(query.select)].join(",")}`);
    if (this.settings.pageSize > 0) parts.push(`$top=${this.settings.pageSize}`);
    if (skip > 0) parts.push(`$skip=${skip}`);
    const url = new URL(entitySet, this.root);
    // Normalized as fetch will send it (quotes become %27), so a measured length is the length sent.
    return parts.length === 0 ? url.href : new URL(`${url.href}?${parts.join("&")}`).href;
  }

  /** A next link may be relative; it must stay on this service, or the credentials would travel elsewhere. */
  private nextUrl(entitySet: string, link: string, current: string): string {
    let next: URL;
    try {
      next = new URL(link, current);
    } catch {
      throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `GET ${entitySet}: expected a next link URL, got "${link.slice(0, 80)}"`);
    }
    if (next.origin !== this.root.origin || !next.pathname.startsWith(this.root.pathname)) {
      throw new SourceError(
        SourceErrorCode.CONTRACT_VIOLATION,
        `GET ${entitySet}: the next link leaves the service (${next.origin}${next.pathname})`,
      );
    }
    return next.toString();
  }

  private getPage(entitySet: string, url: string): Promise<ODataPage> {
    return this.policy.execute(async () => readCollection(await this.getJson(`GET ${entitySet}`, url), `GET ${entitySet}`));
  }

  private async getJson(call: string, url: string): Promise<unknown> {
    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: "GET",
        signal,
        redirect: "manual",
        headers: { authorization: this.authorization, accept: "application/json", maxdataserviceversion: "3.0" },
      });
      text = await response.text();
    } catch (error) {
      throw transportError(call, error, signal, this.settings.timeoutMs);
    }
    const failure = classifyAnswer(call, response, text, this.now());
    if (failure) throw failure;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const type = response.headers.get("content-type") ?? "no content type";
      throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${call}: expected a JSON body, got ${type}${snippet(text)}`, {
        cause: error,
      });
    }
  }
}

function transportError(call: string, error: unknown, signal: AbortSignal, timeoutMs: number): SourceError {
  if (signal.aborted) return new SourceError(SourceErrorCode.TEMPORARY, `${call}: no answer within ${timeoutMs} ms`, { cause: error });
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail = typeof code === "string" ? code : cause instanceof Error ? cause.message : String(cause);
  return new SourceError(SourceErrorCode.TEMPORARY, `${call}: could not reach Personify Data Services (${detail})`, { cause: error });
}

/**
 * 401/403 rejected; 429 and 5xx temporary (with `Retry-After`); 400/404 mean the query names
 * something the service does not have, almost always the mapping; redirects are refused.
 */
export function classifyAnswer(call: string, response: Response, text: string, nowMs: number): SourceError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const odata = readODataError(text);
  const said = `${call} answered ${status}${odata ? `: ${describeODataError(odata)}` : snippet(text)}`;
  if (status === 401 || status === 403) {
    return new SourceError(SourceErrorCode.AUTH_REJECTED, `${said}: PERSONIFY_USERNAME/PERSONIFY_PASSWORD rejected`);
  }
  if (status === 429 || status >= 500) {
    return new SourceError(SourceErrorCode.TEMPORARY, said, { retryAfterMs: retryAfterMs(response.headers.get("retry-after"), nowMs) });
  }
  if (status >= 300 && status < 400) {
    const location = response.headers.get("location") ?? "nowhere";
    return new SourceError(
      SourceErrorCode.CONTRACT_VIOLATION,
      `${said}: redirected to ${location.slice(0, 120)}; set PERSONIFY_URL to the final address`,
    );
  }
  const hint = status === 400 || status === 404 ? ": check the entity set and field names in the Personify mapping" : ": expected 2xx";
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${said}${hint}`);
}

/** The start of a body; an HTML error page (IIS, a proxy) by its title. */
function snippet(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const compact = (title ?? text).replace(/\s+/g, " ").trim();
  if (compact === "") return "";
  return `: "${compact.length > BODY_SNIPPET_CHARS ? `${compact.slice(0, BODY_SNIPPET_CHARS)}…` : compact}"`;
}
