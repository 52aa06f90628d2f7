import type { z } from "zod";
import { loosenMemberInfo } from "../sources/member-info/loose-member-info";
import { fromParsedMemberInfo, toMemberInfo } from "../sources/member-info/member-info.mapper";
import { memberInfoSchema } from "../sources/member-info/member-info.schema";
import type { MemberRecord } from "../sources/member-record";
import { DETAIL_COLUMNS, GROUP_COLUMNS, KEY_COLUMN } from "./member-csv.columns";

/** How a row meets the cache: `replace` writes the row as the whole record; `merge` changes only its non-blank cells. */
export type ImportMode = "merge" | "replace";

/** One refused row: its number in the file (the header is row 1), the column at fault, and why. */
export interface RowError {
  row: number;
  column: string | null;
  reason: string;
}

const GROUP_FIELDS = ["GroupKey", "GroupName", "GroupType", "RoleDescription", "BeginDate", "EndDate"] as const;

function groupsOf(cell: string): Array<Record<string, string>> {
  return cell
    .split(";")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => Object.fromEntries(entry.split("|").map((part, index) => [GROUP_FIELDS[index] ?? `Extra${index}`, part.trim()])));
}

/** The MemberInfo payload of one row, on top of the cached record when merging. */
function payloadOf(cells: Record<string, string>, mode: ImportMode, cached: MemberRecord | undefined): Record<string, unknown> {
  const base = mode === "merge" && cached ? (toMemberInfo(cached) as unknown as Record<string, unknown>) : { MemberDetails: {} };
  const details: Record<string, unknown> = { ...(base.MemberDetails as Record<string, unknown>) };
  const payload: Record<string, unknown> = { ...base, MemberDetails: details };
  for (const [name] of DETAIL_COLUMNS) {
    const cell = cells[name];
    if (cell === undefined) continue;
    // Merging, a blank cell keeps what the cache holds; replacing, it clears the field.
    if (mode === "merge" && cell.trim() === "") continue;
    details[name] = cell;
  }
  for (const [name] of GROUP_COLUMNS) {
    const cell = cells[name];
    if (cell === undefined || (mode === "merge" && cell.trim() === "")) continue;
    payload[name] = groupsOf(cell);
  }
  return payload;
}

/** The column an issue's path points at: a detail field, or the group list column. */
function columnOf(path: readonly PropertyKey[]): string | null {
  if (path[0] === "MemberDetails" && typeof path[1] === "string") return path[1];
  if (path[0] === "CommunityGroups" || path[0] === "SecurityGroups") {
    const entry = typeof path[1] === "number" ? ` entry ${path[1] + 1}` : "";
    const field = typeof path[2] === "string" ? ` ${path[2]}` : "";
    return `${String(path[0])}${entry}${field}`;
  }
  return null;
}

/** Reads one row into a record, or every reason it cannot be one. */
export function readRow(
  row: number,
  cells: Record<string, string>,
  mode: ImportMode,
  cached: MemberRecord | undefined,
): MemberRecord | RowError[] {
  if ((cells[KEY_COLUMN] ?? "").trim() === "") return [{ row, column: KEY_COLUMN, reason: "expected non-blank text, got nothing" }];
  const read = recordFromPayload(payloadOf(cells, mode, cached));
  return Array.isArray(read) ? read.map((fault) => ({ row, ...fault })) : read;
}

/**
 * A MemberInfo payload (contract §2, as a push sends it) checked and read into a record, or each
 * fault with the column (MemberInfo field) it concerns: the one reader of CSV rows and admin edits.
 */
export function recordFromPayload(raw: Record<string, unknown>): MemberRecord | Array<Omit<RowError, "row">> {
  const payload = loosenMemberInfo(raw);
  const parsed = memberInfoSchema.safeParse(payload, { reportInput: true });
  if (!parsed.success)
    return parsed.error.issues.map((issue: z.core.$ZodIssue) => ({ column: columnOf(issue.path), reason: issue.message }));
  // Mapped from what was just checked: parsing it again (fromMemberInfo) was a third of a row's cost.
  return fromParsedMemberInfo(parsed.data);
}

/** The cached record as a MemberInfo payload, for an edit to start from. */
export function payloadFromRecord(record: MemberRecord): Record<string, unknown> {
  return toMemberInfo(record) as unknown as Record<string, unknown>;
}
