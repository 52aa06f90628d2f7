import { amsRetryPolicy } from "../ams-retry.policy";
import type { RetryPolicy } from "cockatiel";
import type { RestSourceConfig } from "../../config/source.config";
import type { Logger } from "../../observability/logger";
import { SourceError, SourceErrorCode } from "../source.error";

export interface RestClientDeps {
  logger: Logger;
  /** Jitter for retry delays; `Math.random` by default. */
  random?: () => number;
  /** Node's global fetch unless a test replays recorded answers. */
  fetch?: typeof fetch;
  /** Reads `Retry-After` dates against it; `Date.now` by default. */
  now?: () => number;
}

/** A successful answer: status and parsed JSON body (null when the body was empty). */
export interface RestAnswer {
  status: number;
  body: unknown;
}

type Query = Record<string, string | null | undefined>;

const BODY_SNIPPET_CHARS = 80;
/** A `Retry-After` is believed up to an hour: a bad clock or header must not park members for days. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * The JSON source protocol's HTTP layer: bearer key, a timeout per request, and retries of
 * temporary failures (decided by `isRetryable`, nowhere else) with exponential backoff.
 * Classifies answers exactly as contract §1 says. Never logs the API key or any header.
 */
export class RestClient {
  private readonly policy: RetryPolicy;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(
    private readonly config: RestSourceConfig,
    deps: RestClientDeps,
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
    this.now = deps.now ?? Date.now;
    this.policy = amsRetryPolicy({ ...config, random: deps.random, logger: deps.logger, label: "AMS" });
  }

  async get(path: string, query: Query = {}): Promise<RestAnswer> {
    return this.policy.execute(() => this.attempt("GET", path, query, undefined));
  }

  /** POSTs are retried too: every POST in the protocol is safe to repeat (activities carry an idempotency key). */
  async post(path: string, body: unknown): Promise<RestAnswer> {
    return this.policy.execute(() => this.attempt("POST", path, {}, body));
  }

  private async attempt(method: "GET" | "POST", path: string, query: Query, body: unknown): Promise<RestAnswer> {
    const url = new URL(`${this.config.url}${path}`);
    for (const [name, value] of Object.entries(query)) if (value != null) url.searchParams.set(name, value);
    const call = `${method} ${path}`;
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${this.config.apiKey}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(call, error, signal, this.config.timeoutMs);
    }
    const failure = classifyStatus(call, response.status, text, retryAfterMs(response.headers.get("retry-after"), this.now()));
    if (failure) throw failure;
    return { status: response.status, body: parseJson(call, response, text) };
  }
}

export { amsBackoff, retryDelayMs } from "../ams-retry.policy";

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now, capped; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  // Date.parse reads almost anything ("-5" is a year); only an HTTP date, which ends in GMT, counts.
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : /GMT$/i.test(value) ? Date.parse(value) - nowMs : Number.NaN;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function transportError(call: string, error: unknown, signal: AbortSignal, timeoutMs: number): SourceError {
  if (signal.aborted) {
    return new SourceError(SourceErrorCode.TEMPORARY, `${call}: no answer within ${timeoutMs} ms`, { cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail = typeof code === "string" ? code : cause instanceof Error ? cause.message : String(cause);
  return new SourceError(SourceErrorCode.TEMPORARY, `${call}: could not reach the AMS (${detail})`, { cause: error });
}

/** Contract §1: 401/403 rejected, 404 not found, 429/5xx temporary; any other non-2xx is a contract breach. */
export function classifyStatus(call: string, status: number, text: string, retryAfter?: number): SourceError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const said = `${call} answered ${status}${snippet(text)}`;
  if (status === 401 || status === 403) return new SourceError(SourceErrorCode.AUTH_REJECTED, `${said}: credentials rejected`);
  if (status === 404) return new SourceError(SourceErrorCode.NOT_FOUND, said);
  if (status === 429 || status >= 500) return new SourceError(SourceErrorCode.TEMPORARY, said, { retryAfterMs: retryAfter });
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${said}: expected 2xx`);
}

function parseJson(call: string, response: Response, text: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const type = response.headers.get("content-type") ?? "no content type";
    throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${call}: expected a JSON body, got ${type}${snippet(text)}`, {
      cause: error,
    });
  }
}

function snippet(text: string): string {
  const compact = text.replace(/\s+/g, " ").trim();
  if (compact === "") return "";
  return `: "${compact.length > BODY_SNIPPET_CHARS ? `${compact.slice(0, BODY_SNIPPET_CHARS)}…` : compact}"`;
}
