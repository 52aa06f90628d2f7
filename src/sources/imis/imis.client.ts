import { amsRetryPolicy } from "../ams-retry.policy";
import type { RetryPolicy } from "cockatiel";
import type { ImisSourceConfig } from "../../config/imis.config";
import type { Logger } from "../../observability/logger";
import { SourceError, SourceErrorCode } from "../source.error";
import { type PagedResult, readPagedResult } from "./imis-envelope";
import { exchange, type ImisExchange, type ImisHttpDeps, jsonBody, statusError } from "./imis-http";
import { ImisTokenProvider } from "./imis-token.provider";

export interface ImisClientDeps {
  logger: Logger;
  /** Jitter for retry delays; `Math.random` by default. */
  random?: () => number;
  /** Node's global fetch unless a test replays recorded answers. */
  fetch?: typeof fetch;
  /** Token expiry and `Retry-After` dates are read against it; `Date.now` by default. */
  now?: () => number;
}

/** Query parameters; iMIS filters are `Field=operator:value`. */
export type ImisQuery = Record<string, string | undefined>;

/**
 * The iMIS REST API's HTTP layer: a bearer token from {@link ImisTokenProvider} (renewed
 * before expiry, and once more when the API refuses it mid-session), a timeout per request,
 * and retries of temporary failures (decided by `isRetryable` alone) with the same backoff as
 * the JSON source protocol. Never logs a token, the password or any header.
 */
export class ImisClient {
  readonly tokens: ImisTokenProvider;
  private readonly policy: RetryPolicy;
  private readonly http: ImisHttpDeps;

  constructor(
    private readonly config: ImisSourceConfig,
    deps: ImisClientDeps,
  ) {
    this.http = { fetch: deps.fetch ?? globalThis.fetch, now: deps.now ?? Date.now };
    this.tokens = new ImisTokenProvider(config, this.http);
    this.policy = amsRetryPolicy({ ...config, random: deps.random, logger: deps.logger, label: "iMIS" });
  }

  /** GET `/api/<path>`; the parsed JSON body. */
  async get(path: string, query: ImisQuery = {}): Promise<unknown> {
    return this.policy.execute(() => this.attempt(path, query));
  }

  /**
   * Every page of a listing, by `offset`/`limit`, while `HasNext` says so. An offset that does
   * not move forward would loop for ever, so it is a contract violation.
   */
  async *pages(path: string, query: ImisQuery, limit: number): AsyncGenerator<PagedResult> {
    const subject = `GET /api/${path} answer`;
    let offset = 0;
    for (;;) {
      const page = readPagedResult(await this.get(path, { ...query, offset: String(offset), limit: String(limit) }), subject);
      yield page;
      if (!page.hasNext) return;
      const next = page.nextOffset ?? offset + page.items.length;
      if (next <= offset) {
        throw new SourceError(
          SourceErrorCode.CONTRACT_VIOLATION,
          `${subject}: HasNext with NextOffset ${next}, expected more than ${offset}`,
        );
      }
      offset = next;
    }
  }

  private async attempt(path: string, query: ImisQuery): Promise<unknown> {
    const url = new URL(`${this.config.url}/api/${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    const call = `GET /api/${path}`;
    let token = await this.tokens.token();
    let answer = await this.send(call, url, token);
    if (answer.status === 401 || answer.status === 403) {
      // A token can die before its announced expiry (an app pool recycle, a revoked session):
      // one fresh token, one more try; refused again, the credentials themselves are refused.
      this.tokens.invalidate(token);
      token = await this.tokens.token();
      answer = await this.send(call, url, token);
    }
    const failure = statusError(call, answer);
    if (failure?.code === SourceErrorCode.AUTH_REJECTED) {
      throw new SourceError(SourceErrorCode.AUTH_REJECTED, `${failure.message} (after a fresh token)`);
    }
    if (failure) throw failure;
    return jsonBody(call, answer);
  }

  private send(call: string, url: URL, token: string): Promise<ImisExchange> {
    const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
    return exchange(this.http, call, url, { method: "GET", headers }, this.config.timeoutMs);
  }
}
