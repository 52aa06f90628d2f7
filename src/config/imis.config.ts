import type { EnvReader } from "./env-readers";

/** Where an iMIS group class goes: a community of a type (and sub-type), or a security group. */
export type ImisGroupTarget = { kind: "community"; type: string; subType: string | null } | { kind: "security" };

/** One mapping rule: a group class (its id or name, any case) and where its groups go. */
export interface ImisGroupRule {
  groupClass: string;
  target: ImisGroupTarget;
}

/** The iMIS REST connector (`AMS_SOURCE=imis`). */
export interface ImisSourceConfig {
  /** The iMIS site root; the API is under `/api`, the token endpoint is `/token`. */
  url: string;
  username: string;
  /** Secret: sent only to the token endpoint, never logged. */
  password: string;
  /** Per HTTP request, token requests included. */
  timeoutMs: number;
  /** Further tries of a request that failed temporarily. */
  retries: number;
  /** First retry delay; doubles each try. */
  retryBaseMs: number;
  /** `limit` of every listing request. */
  pageSize: number;
  /** Most party ids in one `PartyId=in:` request (a batch fetch). */
  batchSize: number;
  /** A token is renewed this long before the expiry its `expires_in` announced. */
  tokenRefreshMarginMs: number;
  /** Group class → community type (or security group); unmapped classes are not read. */
  groupRules: ImisGroupRule[];
  /** Member types (CustomerTypeCode) whose holders are staff: they get the AMS group "Staff". */
  staffTypes: string[];
  /** AdditionalAttributes names of the membership fields on a Party. */
  memberTypeAttribute: string;
  paidThroughAttribute: string;
  joinDateAttribute: string;
  /** Party status ids or names (any case) that mean active; any other status is inactive. */
  activeStatuses: string[];
}

const DEFAULT_GROUP_RULES = "Committee:Committee,Chapter:Chapter";

function readGroupRules(read: EnvReader): ImisGroupRule[] {
  const text = read.raw("IMIS_GROUP_TYPES") ?? DEFAULT_GROUP_RULES;
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .flatMap((entry): ImisGroupRule[] => {
      const colon = entry.lastIndexOf(":");
      const groupClass = colon > 0 ? entry.slice(0, colon).trim() : "";
      const targetText = colon > 0 ? entry.slice(colon + 1).trim() : "";
      if (groupClass === "" || targetText === "") {
        read.problem(`IMIS_GROUP_TYPES entries are GroupClass:CommunityType[/SubType] or GroupClass:security (got "${entry}")`);
        return [];
      }
      if (targetText.toLowerCase() === "security") return [{ groupClass, target: { kind: "security" } }];
      const [type, subType] = targetText.split("/").map((part) => part.trim());
      return [{ groupClass, target: { kind: "community", type: type || targetText, subType: subType ? subType : null } }];
    });
}

/** Reads `IMIS_*`; every missing or bad variable is recorded on `read`. */
export function readImisConfig(read: EnvReader): ImisSourceConfig {
  const url = read.url("IMIS_URL", ["http:", "https:"]);
  if (url === undefined && read.raw("IMIS_URL") === undefined) read.problem("IMIS_URL is required when AMS_SOURCE=imis");
  const username = read.optionalString("IMIS_USERNAME");
  if (username === undefined) read.problem("IMIS_USERNAME is required when AMS_SOURCE=imis");
  const password = read.optionalString("IMIS_PASSWORD");
  if (password === undefined) read.problem("IMIS_PASSWORD is required when AMS_SOURCE=imis");
  return {
    url: url?.toString().replace(/\/+$/, "") ?? "",
    username: username ?? "",
    password: password ?? "",
    timeoutMs: read.durationMs("IMIS_TIMEOUT", 30_000, 1),
    retries: read.int("IMIS_RETRIES", 3, 0, 10),
    retryBaseMs: read.durationMs("IMIS_RETRY_BASE", 500),
    pageSize: read.int("IMIS_PAGE_SIZE", 100, 1, 500),
    batchSize: read.int("IMIS_BATCH_SIZE", 50, 1, 200),
    tokenRefreshMarginMs: read.durationMs("IMIS_TOKEN_REFRESH_MARGIN", 60_000),
    groupRules: readGroupRules(read),
    staffTypes: read.raw("IMIS_STAFF_TYPES") === undefined ? ["STAFF"] : read.list("IMIS_STAFF_TYPES"),
    memberTypeAttribute: read.string("IMIS_MEMBER_TYPE_ATTRIBUTE", "CustomerTypeCode"),
    paidThroughAttribute: read.string("IMIS_PAID_THROUGH_ATTRIBUTE", "PaidThruDate"),
    joinDateAttribute: read.string("IMIS_JOIN_DATE_ATTRIBUTE", "JoinDate"),
    activeStatuses: read.raw("IMIS_ACTIVE_STATUSES") === undefined ? ["A", "Active"] : read.list("IMIS_ACTIVE_STATUSES"),
  };
}

/** A copy safe to log. */
export function redactImisConfig(config: ImisSourceConfig): Record<string, unknown> {
  return { ...config, password: "***" };
}
