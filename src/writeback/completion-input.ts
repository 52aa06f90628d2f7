import { createHash } from "node:crypto";
import { WritebackError, WritebackErrorCode } from "./writeback.error";

/** A completion as a learning system sends it. */
export interface CompletionInput {
  memberKey: string;
  activityKey: string;
  title: string;
  completedAt: Date;
  credits?: number | null;
  creditType?: string | null;
  idempotencyKey: string;
}

/** A completion that passed validation, trimmed, with the hash of its content. */
export interface ValidCompletion {
  memberKey: string;
  activityKey: string;
  title: string;
  completedAt: Date;
  credits: number | null;
  creditType: string | null;
  idempotencyKey: string;
  contentHash: string;
}

/** Column widths (see the migration): a longer value is refused, never cut. */
const LIMITS = { memberKey: 100, activityKey: 100, title: 500, creditType: 50, idempotencyKey: 100 } as const;
/** Credits beyond this are a typo, not a course. */
const MAX_CREDITS = 10_000;
/** A completion dated this far ahead of the gateway's clock is refused (LMS clocks drift a little). */
const MAX_FUTURE_MS = 24 * 60 * 60_000;
const EARLIEST = Date.UTC(1900, 0, 1);

/**
 * Checks one completion against the rules every AMS protocol shares; every problem is named in
 * one message so the LMS can fix them together. Throws {@link WritebackError} INVALID_INPUT.
 */
export function validateCompletion(input: CompletionInput, now: Date): ValidCompletion {
  const problems: string[] = [];
  const required = (name: keyof typeof LIMITS, value: string | null | undefined): string => {
    const trimmed = (value ?? "").trim();
    if (trimmed === "") problems.push(`${name} is required`);
    else if (trimmed.length > LIMITS[name]) problems.push(`${name} is longer than ${LIMITS[name]} characters (${trimmed.length})`);
    return trimmed;
  };
  const memberKey = required("memberKey", input.memberKey);
  const activityKey = required("activityKey", input.activityKey);
  const title = required("title", input.title);
  const idempotencyKey = required("idempotencyKey", input.idempotencyKey);
  const creditTypeText = (input.creditType ?? "").trim();
  if (creditTypeText.length > LIMITS.creditType) problems.push(`creditType is longer than ${LIMITS.creditType} characters`);
  const credits = input.credits ?? null;
  if (credits !== null && (!Number.isFinite(credits) || credits < 0 || credits > MAX_CREDITS)) {
    problems.push(`credits must be a number from 0 to ${MAX_CREDITS} (got ${credits})`);
  }
  const completedAt = input.completedAt;
  const time = completedAt instanceof Date ? completedAt.getTime() : Number.NaN;
  if (Number.isNaN(time)) problems.push("completedAt must be an ISO-8601 instant");
  else if (time > now.getTime() + MAX_FUTURE_MS) problems.push(`completedAt ${completedAt.toISOString()} is in the future`);
  else if (time < EARLIEST) problems.push(`completedAt ${completedAt.toISOString()} is before 1900`);
  if (creditTypeText !== "" && credits === null) problems.push("creditType needs credits");
  if (problems.length > 0) throw new WritebackError(WritebackErrorCode.INVALID_INPUT, `Invalid completion: ${problems.join("; ")}`);
  const valid = { memberKey, activityKey, title, completedAt: new Date(time), credits, creditType: creditTypeText || null, idempotencyKey };
  return { ...valid, contentHash: contentHash(valid) };
}

/** SHA-256 over the content in a fixed order (instants in UTC, to the millisecond). */
export function contentHash(completion: Omit<ValidCompletion, "contentHash">): string {
  const canonical = JSON.stringify([
    completion.memberKey,
    completion.activityKey,
    completion.title,
    completion.completedAt.toISOString(),
    completion.credits,
    completion.creditType,
  ]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
