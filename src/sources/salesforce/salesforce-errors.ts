import { retryAfterMs } from "../rest/rest.client";
import { SourceError, SourceErrorCode } from "../source.error";

/** What Salesforce said when a call failed; kept as the SourceError's cause. */
export interface SalesforceFault {
  status: number;
  /** The first `errorCode` of the error array (REST) or `error` (OAuth), when there was one. */
  errorCode: string | null;
}

const SNIPPET_CHARS = 160;
const MESSAGE_CHARS = 400;

/** The Salesforce error code behind a SourceError this connector threw, if any. */
export function salesforceErrorCode(error: unknown): string | null {
  if (!(error instanceof SourceError)) return null;
  const cause = error.cause as Partial<SalesforceFault> | undefined;
  return typeof cause?.errorCode === "string" ? cause.errorCode : null;
}

/**
 * REST errors come as `[{"message", "errorCode", "fields"}]`; OAuth errors as
 * `{"error", "error_description"}`. Either becomes "CODE: message"; anything else a snippet.
 */
export function describeSalesforceBody(text: string): { errorCode: string | null; said: string } {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return { errorCode: null, said: snippet(text) };
  }
  const first = Array.isArray(body) ? (body[0] as Record<string, unknown> | undefined) : (body as Record<string, unknown> | null);
  if (first && typeof first === "object") {
    const code = typeof first.errorCode === "string" ? first.errorCode : typeof first.error === "string" ? first.error : null;
    const text =
      typeof first.message === "string" ? first.message : typeof first.error_description === "string" ? first.error_description : null;
    // SOQL errors quote the query over several lines; one line keeps the log readable.
    const message = text === null ? null : compact(text, MESSAGE_CHARS);
    if (code !== null || message !== null) {
      const more = Array.isArray(body) && body.length > 1 ? ` (and ${body.length - 1} more)` : "";
      return { errorCode: code, said: `${[code, message].filter(Boolean).join(": ")}${more}` };
    }
  }
  return { errorCode: null, said: snippet(text) };
}

export interface ClassifyOptions {
  /** `Retry-After` header, if any. */
  retryAfter: string | null;
  nowMs: number;
  /** The back-off for a limit refusal that names no Retry-After. */
  limitBackoffMs: number;
}

/**
 * Salesforce's statuses (REST API Developer Guide, "Status Codes and Error Responses"): 401 is a
 * session the caller could not renew; 403 REQUEST_LIMIT_EXCEEDED and 429 are the org's limits
 * (temporary, with a back-off so the queue waits); other 403s are missing permissions; 5xx is
 * temporary; 400 and anything else is a request or answer this connector cannot use.
 */
export function classifySalesforceError(call: string, status: number, text: string, options: ClassifyOptions): SourceError {
  const { errorCode, said } = describeSalesforceBody(text);
  const cause: SalesforceFault = { status, errorCode };
  const message = `${call} answered ${status}${said === "" ? "" : `: ${said}`}`;
  const asked = retryAfterMs(options.retryAfter, options.nowMs);
  if (status === 429 || (status === 403 && errorCode === "REQUEST_LIMIT_EXCEEDED")) {
    return new SourceError(SourceErrorCode.TEMPORARY, `${message} (API limit; backing off)`, {
      cause,
      retryAfterMs: asked ?? options.limitBackoffMs,
    });
  }
  if (status === 401)
    return new SourceError(SourceErrorCode.AUTH_REJECTED, `${message}: session refused after signing in again`, { cause });
  if (status === 403) return new SourceError(SourceErrorCode.AUTH_REJECTED, `${message}: the integration user lacks access`, { cause });
  if (status >= 500) return new SourceError(SourceErrorCode.TEMPORARY, message, { cause, retryAfterMs: asked });
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, message, { cause });
}

function compact(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

function snippet(text: string): string {
  const short = compact(text, SNIPPET_CHARS);
  return short === "" ? "" : `"${short}"`;
}
