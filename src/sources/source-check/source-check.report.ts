import type { SourceConfig } from "../../config/source.config";
import type { FetchedMembers } from "../ams-source";
import type { MemberRecord } from "../member-record";
import { SourceError, SourceErrorCode } from "../source.error";

/** What `source:check` read; everything it prints comes from here. */
export interface ListingRead {
  entries: number;
  distinctKeys: number;
  pages: number;
  /** False when the read stopped at the page limit, so the listing may go on. */
  complete: boolean;
}

/** The longest reason printed for one bad record. */
const REASON_CHARS = 300;

/** Where the source is, never with its key: a URL's user and password are dropped too. */
export function describeSource(config: SourceConfig): string {
  if (config.kind === "demo") {
    const { seed, members } = config.demo;
    return `demo (in process, seed ${seed}, ${members} members)`;
  }
  const settings = Object.values(config).find((value): value is { url: string } => typeof (value as { url?: unknown })?.url === "string");
  return `${config.kind} at ${settings ? safeUrl(settings.url) : "(no URL)"}`;
}

function safeUrl(text: string): string {
  try {
    const url = new URL(text);
    url.username = "";
    url.password = "";
    url.search = "";
    return url.href.replace(/\/$/, "");
  } catch {
    return "(unreadable AMS_URL)";
  }
}

export function describeListing(what: string, read: ListingRead): string {
  const pages = `${read.pages} page${read.pages === 1 ? "" : "s"}`;
  const twice = read.distinctKeys < read.entries ? `; ${read.entries - read.distinctKeys} listed more than once` : "";
  if (read.complete) return `${what}: ${read.distinctKeys} (complete listing, ${pages}${twice})`;
  return `${what}: at least ${read.distinctKeys} (stopped at the limit of ${pages}${twice}; --pages N or --all reads further)`;
}

/** Names and keys; contact data (e-mail, phones) only when `verbose`. */
export function describeRecord(record: MemberRecord, verbose: boolean): string {
  const name = [record.prefix, record.firstName, record.middleName, record.lastName, record.suffix].filter(Boolean).join(" ");
  const parts = [
    record.memberKey,
    name || record.companyName || "(no name)",
    record.memberType ?? "no member type",
    record.isActive ? "active" : "inactive",
    `${record.communities.length} communities`,
    `${record.securityGroups.length} security groups`,
  ];
  if (record.memberId) parts.splice(1, 0, `#${record.memberId}`);
  if (verbose) parts.push(`email ${record.email ?? "none"}`, `phones ${record.phones.map((phone) => phone.number).join(", ") || "none"}`);
  return parts.join(" | ");
}

export function describeFetch(asked: number, fetched: FetchedMembers): string {
  return `fetched ${asked} of them: ${fetched.members.length} records, ${fetched.missing.length} missing, ${fetched.invalid.length} invalid`;
}

/** One line per bad record: its key, the error code and what was wrong. */
export function describeInvalid(key: string | null, error: SourceError): string {
  const reason = error.message.length > REASON_CHARS ? `${error.message.slice(0, REASON_CHARS)}…` : error.message;
  return `${key ?? "(no key)"}: ${error.code}: ${reason}`;
}

/** The error line for a call that failed, with a hint for the usual causes. */
export function describeFailure(step: string, error: unknown): string {
  if (!(error instanceof SourceError))
    return `error: ${step} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
  const hint: Partial<Record<SourceErrorCode, string>> = {
    [SourceErrorCode.AUTH_REJECTED]: " (check AMS_API_KEY)",
    [SourceErrorCode.TEMPORARY]: " (check AMS_URL and that the AMS is up; AMS_TIMEOUT and AMS_RETRIES bound the wait)",
    [SourceErrorCode.CONTRACT_VIOLATION]: " (the AMS's answer does not follow docs/source-protocol.md)",
  };
  const retryAfter = error.retryAfterMs === undefined ? "" : `; the AMS asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s`;
  return `error: ${step} failed: ${error.code}: ${error.message}${retryAfter}${hint[error.code] ?? ""}`;
}
