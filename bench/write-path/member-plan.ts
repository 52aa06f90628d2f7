import type { MemberRecord } from "../../src/sources/member-record";
import { type Derived, deriveStatus } from "../../src/sync/derive-status";
import { type MemberRows, toMemberRows } from "../../src/sync/member-rows";
import { systemMemberships } from "../../src/sync/member-writer";
import type { SyncRuleBook } from "../../src/sync/sync-rules";

/** Every row one member's refresh writes, derived columns included. */
export interface PlannedMember {
  rows: MemberRows;
  derived: Derived;
  systemGroupMemberships: ReturnType<typeof systemMemberships>;
}

/**
 * The rows amsgate's MemberWriter would write for `record`, computed with amsgate's own mapping
 * and derivation, so the raw baseline writes exactly the same rows and differs only in how it
 * talks to the database. (MemberWriter's derivation is private; this mirrors it line for line.)
 */
export function planMember(record: MemberRecord, rules: SyncRuleBook, today: string): PlannedMember {
  const rows = toMemberRows(record, rules);
  const flags = new Map(rows.groups.map((group) => [group.groupKey, group]));
  const derived = deriveStatus({
    isActive: record.isActive,
    gone: false,
    allowed: rules.memberTypeAllowed(record.memberType),
    today,
    terms: rows.groupMemberships.map((membership) => ({
      beginDate: membership.beginDate,
      endDate: membership.endDate,
      ...flags.get(membership.groupKey)!,
    })),
  });
  return { rows, derived, systemGroupMemberships: systemMemberships(record.memberKey, derived) };
}
