import type { EventRecord, MemberRecord } from "../member-record";
import { fromAmsEvent } from "./ams-event.mapper";
import { fromMemberInfo } from "./member-info.mapper";

/** Flags of MemberDetails and of each demographic answer. */
const DETAIL_FLAGS = new Set(["ExcludeFromDirectory", "IsActive", "IsOrganization", "IsMember"]);
/** Flags of an Event body. */
const EVENT_FLAGS = new Set(["IsMembersOnly", "IsDeleted"]);
const TRUE_WORDS = new Set(["true", "1", "yes", "y"]);
const FALSE_WORDS = new Set(["false", "0", "no", "n"]);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function looseFlag(value: unknown): unknown {
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== "string") return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return value;
}

/** Numbers where text is expected become their text; flags are read loosely; the rest is kept. */
function loosenObject(raw: Json, flags: ReadonlySet<string>): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(raw)) {
    if (flags.has(name)) out[name] = looseFlag(value);
    else out[name] = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  }
  return out;
}

function loosenList(value: unknown, flags: ReadonlySet<string>): unknown {
  return Array.isArray(value) ? value.map((item) => (isObject(item) ? loosenObject(item, flags) : item)) : value;
}

/**
 * A pushed item is written by a client, not read from an AMS's own API, so it is read more
 * loosely than the contract parser reads a source: flags may be `"true"`, `"1"`, `1`, `"yes"`
 * (and their negations), numbers may stand where text is expected. Anything else still fails
 * the item with the field-by-field message of {@link fromMemberInfo}; dates are read as there
 * (with or without time, fraction and offset, or a plain day).
 */
export function loosenMemberInfo(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  return {
    ...raw,
    MemberDetails: isObject(raw.MemberDetails) ? loosenObject(raw.MemberDetails, DETAIL_FLAGS) : raw.MemberDetails,
    CommunityGroups: loosenList(raw.CommunityGroups, new Set()),
    SecurityGroups: loosenList(raw.SecurityGroups, new Set()),
    Demographics: loosenList(raw.Demographics, new Set(["IsFreeForm"])),
  };
}

/** Reads one pushed MemberInfo item (loosely, see {@link loosenMemberInfo}) into the canonical record. */
export function fromPushedMemberInfo(raw: unknown): MemberRecord {
  return fromMemberInfo(loosenMemberInfo(raw));
}

/** Reads one pushed Event body into the canonical record, as loosely as a pushed member. */
export function fromPushedEvent(raw: unknown): EventRecord {
  return fromAmsEvent(isObject(raw) ? loosenObject(raw, EVENT_FLAGS) : raw);
}
