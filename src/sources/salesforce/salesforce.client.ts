import { ConstantBackoff, handleWhen, retry, type RetryPolicy } from "cockatiel";
import { z } from "zod";
import type { SalesforceSourceConfig } from "../../config/salesforce.config";
import type { Logger } from "../../observability/logger";
import { retryDelayMs } from "../rest/rest.client";
import { isRetryable, SourceError, SourceErrorCode } from "../source.error";
import { SalesforceAuth, type SalesforceSession } from "./salesforce-auth";
import { classifySalesforceError, describeSalesforceBody } from "./salesforce-errors";

export interface SalesforceClientDeps {
  logger: Logger;
  /** Jitter for retry delays; `Math.random` by default. */
  random?: () => number;
  fetch?: typeof fetch;
  /** Reads Retry-After dates and signs JWT expiries against it; `Date.now` by default. */
  now?: () => number;
  /** Waits between retries; real timers by default, tests pass their own. */
  sleep?: (ms: number) => Promise<void>;
}

/** The org's daily API usage as the last answer's `Sforce-Limit-Info` said. */
export interface ApiUsage {
  used: number;
  limit: number;
  /** When it was read (ms). */
  atMs: number;
}

/** One page of a SOQL answer. */
export interface QueryPage {
  totalSize: number;
  records: Array<Record<string, unknown>>;
}

/** The longest in-call retry wait; a longer Retry-After goes back to the queue, which waits it out. */
const MAX_IN_CALL_DELAY_MS = 30_000;
/** At most one limit warning this often, so a busy sync does not flood the log. */
const LIMIT_WARNING_EVERY_MS = 15 * 60_000;

const queryPageSchema = z.object({
  totalSize: z.number().int().nonnegative(),
  done: z.boolean(),
  records: z.array(z.record(z.string(), z.unknown())),
  nextRecordsUrl: z.string().nullish(),
});

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * Salesforce REST over HTTPS: a bearer session from {@link SalesforceAuth}, renewed once when
 * Salesforce answers 401 (INVALID_SESSION_ID); retries of temporary failures (decided by
 * `isRetryable`, with exponential back-off, honouring Retry-After up to 30 s); every answer's
 * `Sforce-Limit-Info` read into {@link lastApiUsage}. Never logs a token or a header.
 */
interface HttpRequest {
  method: "GET" | "PATCH";
  body?: string;
}

export class SalesforceClient {
  private readonly auth: SalesforceAuth;
  private readonly policy: RetryPolicy;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private lastWarningMs = Number.NEGATIVE_INFINITY;
  /** The newest `api-usage` Salesforce reported, for metrics; null before the first answer. */
  lastApiUsage: ApiUsage | null = null;

  constructor(
    private readonly config: SalesforceSourceConfig,
    private readonly deps: SalesforceClientDeps,
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? realSleep;
    this.random = deps.random ?? Math.random;
    this.auth = new SalesforceAuth(config, { fetch: this.fetch, now: this.now });
    const retryNow = (error: Error) => isRetryable(error) && ((error as SourceError).retryAfterMs ?? 0) <= MAX_IN_CALL_DELAY_MS;
    // cockatiel decides whether to go again; the wait itself is ours, so tests can inject it.
    this.policy = retry(handleWhen(retryNow), { maxAttempts: config.retries, backoff: new ConstantBackoff(0) });
  }

  /** `/services/data/vXX.X` + `rest`. */
  dataPath(rest: string): string {
    return `/services/data/v${this.config.apiVersion}${rest}`;
  }

  /** GET a path on the instance (with query parameters); the parsed JSON body. */
  async get(path: string, query: Record<string, string> = {}): Promise<unknown> {
    return this.withRetries(() => this.attempt(path, query, { method: "GET" }));
  }

  /**
   * Upsert by external id (`PATCH …/sobjects/<Object>/<Field>/<value>`): creates the record or
   * updates the one holding that value, so sending it twice leaves one record. Retried like a GET.
   */
  async upsert(path: string, fields: Record<string, unknown>): Promise<unknown> {
    return this.withRetries(() => this.attempt(path, {}, { method: "PATCH", body: JSON.stringify(fields) }));
  }

  private async withRetries(call: () => Promise<unknown>): Promise<unknown> {
    let previous: unknown;
    return this.policy.execute(async ({ attempt }) => {
      if (attempt > 0) await this.sleep(this.delayBefore(attempt - 1, previous));
      try {
        return await call();
      } catch (error) {
        previous = error;
        if (isRetryable(error))
          this.deps.logger.warn(
            { attempt: attempt + 1, reason: (error as Error).message },
            "Salesforce call failed; retrying if tries remain",
          );
        throw error;
      }
    });
  }

  /**
   * Runs a SOQL query (`queryAll` also returns deleted and archived rows), page by page,
   * following `nextRecordsUrl` until `done`.
   */
  async *query(soql: string, options: { all?: boolean } = {}): AsyncGenerator<QueryPage> {
    const resource = options.all ? "/queryAll" : "/query";
    let body = await this.get(this.dataPath(resource), { q: soql });
    const followed = new Set<string>();
    for (;;) {
      const page = readQueryPage(`GET ${resource}`, body);
      yield { totalSize: page.totalSize, records: page.records };
      const next = page.nextRecordsUrl ?? null;
      if (page.done || next === null) return;
      if (!next.startsWith("/services/data/") || followed.has(next)) {
        throw new SourceError(
          SourceErrorCode.CONTRACT_VIOLATION,
          `GET ${resource}: expected a new nextRecordsUrl under /services/data/, got ${JSON.stringify(next.slice(0, 80))}`,
        );
      }
      followed.add(next);
      body = await this.get(next);
    }
  }

  private delayBefore(retryIndex: number, error: unknown): number {
    const asked = error instanceof SourceError ? (error.retryAfterMs ?? 0) : 0;
    return Math.max(retryDelayMs(this.config.retryBaseMs, retryIndex, this.random, MAX_IN_CALL_DELAY_MS), asked);
  }

  /** One try: with the current session, and once more with a new one if Salesforce refused it. */
  private async attempt(path: string, query: Record<string, string>, request: HttpRequest): Promise<unknown> {
    const session = await this.auth.current();
    const first = await this.send(session, path, query, request);
    if (first.status !== 401) return this.settle(path, first, request.method);
    const renewed = await this.auth.renew(session);
    return this.settle(path, await this.send(renewed, path, query, request), request.method);
  }

  private async send(
    session: SalesforceSession,
    path: string,
    query: Record<string, string>,
    request: HttpRequest,
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const url = new URL(`${session.instanceUrl}${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    try {
      const response = await this.fetch(url, {
        signal,
        method: request.method,
        body: request.body,
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          accept: "application/json",
          ...(request.body === undefined ? {} : { "content-type": "application/json" }),
        },
      });
      const text = await response.text();
      this.readLimitInfo(response.headers.get("sforce-limit-info"));
      return { status: response.status, text, headers: response.headers };
    } catch (error) {
      const call = `${request.method} ${path.split("?")[0]}`;
      if (signal.aborted)
        throw new SourceError(SourceErrorCode.TEMPORARY, `${call}: no answer within ${this.config.timeoutMs} ms`, { cause: error });
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const code = (cause as { code?: unknown } | undefined)?.code;
      throw new SourceError(
        SourceErrorCode.TEMPORARY,
        `${call}: could not reach Salesforce (${typeof code === "string" ? code : String(cause)})`,
        { cause: error },
      );
    }
  }

  private settle(path: string, answer: { status: number; text: string; headers: Headers }, method: HttpRequest["method"]): unknown {
    const call = `${method} ${path.replace(/\/query\/[^/?]+$/, "/query/…").replace(/\/services\/data\/v[\d.]+/, "")}`;
    if (answer.status < 200 || answer.status >= 300) {
      throw classifySalesforceError(call, answer.status, answer.text, {
        retryAfter: answer.headers.get("retry-after"),
        nowMs: this.now(),
        limitBackoffMs: this.config.limitBackoffMs,
      });
    }
    // An upsert that updated answers 204 with no body.
    if (answer.text.trim() === "" && method !== "GET") return null;
    try {
      return JSON.parse(answer.text) as unknown;
    } catch (error) {
      const { said } = describeSalesforceBody(answer.text);
      throw new SourceError(
        SourceErrorCode.CONTRACT_VIOLATION,
        `${call}: expected a JSON body, got ${answer.headers.get("content-type") ?? "no content type"} ${said}`,
        { cause: error },
      );
    }
  }

  /** `Sforce-Limit-Info: api-usage=18/5000[; per-app-api-usage=…]`. */
  private readLimitInfo(header: string | null): void {
    const match = header === null ? null : /api-usage=(\d+)\/(\d+)/.exec(header);
    if (!match) return;
    const nowMs = this.now();
    const usage = { used: Number(match[1]), limit: Number(match[2]), atMs: nowMs };
    this.lastApiUsage = usage;
    if (usage.limit > 0 && usage.used / usage.limit >= this.config.limitWarnShare && nowMs - this.lastWarningMs >= LIMIT_WARNING_EVERY_MS) {
      this.lastWarningMs = nowMs;
      this.deps.logger.warn(
        { used: usage.used, limit: usage.limit, share: this.config.limitWarnShare },
        "Salesforce API usage is above the warning share of the org's daily limit",
      );
    }
  }
}

function readQueryPage(call: string, body: unknown): z.output<typeof queryPageSchema> {
  const parsed = queryPageSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const where = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".") || "the body"))].join(", ");
  throw new SourceError(
    SourceErrorCode.CONTRACT_VIOLATION,
    `${call}: expected { totalSize, done, records[], nextRecordsUrl }, bad: ${where}`,
  );
}
