import { retryAfterMs } from "../rest/rest.client";
import { SourceError, SourceErrorCode } from "../source.error";
import { describeErrorBody } from "./imis-error-body";

/** What one HTTP exchange with iMIS returned, before any classification. */
export interface ImisExchange {
  status: number;
  text: string;
  contentType: string | null;
  /** The answer's `Retry-After`, in ms from now, when it carried a readable one. */
  retryAfterMs: number | undefined;
}

export interface ImisHttpDeps {
  fetch: typeof fetch;
  /** Reads `Retry-After` dates against it. */
  now: () => number;
}

/**
 * One request with a timeout. Transport failures (refused, reset, timed out) are TEMPORARY;
 * any status comes back unclassified, so the caller can react to a 401 before judging it.
 */
export async function exchange(deps: ImisHttpDeps, call: string, url: URL, init: RequestInit, timeoutMs: number): Promise<ImisExchange> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await deps.fetch(url, { ...init, signal });
    const text = await response.text();
    return {
      status: response.status,
      text,
      contentType: response.headers.get("content-type"),
      retryAfterMs: retryAfterMs(response.headers.get("retry-after"), deps.now()),
    };
  } catch (error) {
    if (signal.aborted) throw new SourceError(SourceErrorCode.TEMPORARY, `${call}: no answer within ${timeoutMs} ms`, { cause: error });
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = (cause as { code?: unknown } | undefined)?.code;
    const detail = typeof code === "string" ? code : cause instanceof Error ? cause.message : String(cause);
    throw new SourceError(SourceErrorCode.TEMPORARY, `${call}: could not reach iMIS (${detail})`, { cause: error });
  }
}

/**
 * The error a non-2xx answer stands for: 401/403 rejected, 404 not found, 429/5xx temporary
 * (with the AMS's Retry-After); any other status is a contract breach. Messages carry what
 * iMIS said (its error body), never what we sent.
 */
export function statusError(call: string, answer: ImisExchange): SourceError | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return undefined;
  const body = describeErrorBody(answer.text);
  const said = `${call} answered ${status}${body === "" ? "" : `: "${body}"`}`;
  if (status === 401 || status === 403) return new SourceError(SourceErrorCode.AUTH_REJECTED, `${said}: credentials rejected`);
  if (status === 404) return new SourceError(SourceErrorCode.NOT_FOUND, said);
  if (status === 429 || status >= 500) return new SourceError(SourceErrorCode.TEMPORARY, said, { retryAfterMs: answer.retryAfterMs });
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${said}: expected 2xx`);
}

/** The JSON body of a 2xx answer; a body that is not JSON is a contract violation naming its type. */
export function jsonBody(call: string, answer: ImisExchange): unknown {
  if (answer.text.trim() === "") return null;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch (error) {
    const shown = describeErrorBody(answer.text);
    throw new SourceError(
      SourceErrorCode.CONTRACT_VIOLATION,
      `${call}: expected a JSON body, got ${answer.contentType ?? "no content type"}${shown === "" ? "" : `: "${shown}"`}`,
      { cause: error },
    );
  }
}
