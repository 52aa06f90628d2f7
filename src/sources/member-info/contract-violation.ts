import type { z } from "zod";
import { SourceError, SourceErrorCode } from "../source.error";
import { describeValue } from "./wire-values";

/** How many field complaints one message lists before summarizing the rest. */
const MAX_LISTED_ISSUES = 5;

/** `CommunityGroups[2].GroupKey`, or `the body` for the top level. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "the body";
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`)).join("");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  if (issue.code === "invalid_type") {
    return `${where}: expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  return `${where}: ${issue.message}`;
}

/**
 * One CONTRACT_VIOLATION naming every bad field (up to a few): `subject` says what was being read,
 * e.g. `MemberInfo for member "M1"`.
 */
export function contractViolation(subject: string, issues: readonly z.core.$ZodIssue[], memberKey?: string): SourceError {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map(describeIssue);
  const more = issues.length > MAX_LISTED_ISSUES ? ` (and ${issues.length - MAX_LISTED_ISSUES} more)` : "";
  return new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `${subject} does not match the contract: ${listed.join("; ")}${more}`, {
    memberKey,
  });
}

/** Parses `raw` or throws the CONTRACT_VIOLATION that says what was wrong where. */
export function parseOrThrow<T extends z.ZodType>(schema: T, raw: unknown, subject: string, memberKey?: string): z.output<T> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw contractViolation(subject, result.error.issues, memberKey);
}
