import type { FetchedMembers } from "./ams-source";
import { fromMemberInfo, peekMemberKey } from "./member-info/member-info.mapper";
import type { MemberRecord } from "./member-record";
import { SourceError, SourceErrorCode } from "./source.error";

type Outcome = { record: MemberRecord } | { error: SourceError };

/**
 * Sorts one `/members` answer into members, missing and invalid, key by key, in the order asked:
 * a malformed record fails only its own key; a key the AMS neither returned nor listed as missing
 * is invalid (never silently dropped); records for keys nobody asked for are ignored.
 */
export function collectFetchedMembers(requested: readonly string[], items: readonly unknown[], missing: readonly string[]): FetchedMembers {
  const wanted = new Set(requested);
  const outcomes = new Map<string, Outcome>();
  let unattributable = 0;
  for (const item of items) {
    const key = peekMemberKey(item);
    if (key === null || !wanted.has(key)) {
      unattributable += 1;
      continue;
    }
    const previous = outcomes.get(key);
    if (previous !== undefined && "record" in previous) continue;
    outcomes.set(key, readRecord(item, key));
  }
  const gone = new Set(missing);
  const result: FetchedMembers = { members: [], missing: [], invalid: [] };
  for (const memberKey of wanted) {
    const outcome = outcomes.get(memberKey);
    if (outcome && "record" in outcome) result.members.push(outcome.record);
    else if (outcome) result.invalid.push({ memberKey, error: outcome.error });
    else if (gone.has(memberKey)) result.missing.push(memberKey);
    else result.invalid.push({ memberKey, error: notAnswered(memberKey, unattributable) });
  }
  return result;
}

function readRecord(item: unknown, memberKey: string): Outcome {
  try {
    return { record: fromMemberInfo(item) };
  } catch (error) {
    if (error instanceof SourceError) return { error };
    return {
      error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `MemberInfo for member "${memberKey}" could not be read`, {
        cause: error,
        memberKey,
      }),
    };
  }
}

function notAnswered(memberKey: string, unattributable: number): SourceError {
  const note = unattributable > 0 ? `; ${unattributable} record(s) in the answer carried no requested key` : "";
  return new SourceError(
    SourceErrorCode.CONTRACT_VIOLATION,
    `expected a record or a "missing" entry for member "${memberKey}", got neither${note}`,
    { memberKey },
  );
}
