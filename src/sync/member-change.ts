/** What one refresh changed for one member; published as `memberChanged`. */
export interface MemberChangeEvent {
  memberKey: string;
  kind: "CREATED" | "UPDATED" | "DISABLED";
  /** Member fields whose value changed (for CREATED: every field that has a value). */
  changedFields: string[];
  communitiesAdded: MembershipRef[];
  communitiesRemoved: MembershipRef[];
  securityGroupsAdded: MembershipRef[];
  securityGroupsRemoved: MembershipRef[];
  /** ISO-8601. */
  at: string;
}

/** A membership as a change names it: the group and the role. */
export interface MembershipRef {
  key: string;
  role: string | null;
}

interface MembershipLike {
  role: string | null;
  beginDate: string | null;
  endDate: string | null;
}

/** Added and removed memberships, comparing group, role and term. */
export function diffMemberships<T extends MembershipLike>(
  before: T[],
  after: T[],
  keyOf: (row: T) => string,
): { added: MembershipRef[]; removed: MembershipRef[] } {
  const identity = (row: T) => JSON.stringify([keyOf(row), row.role, row.beginDate, row.endDate]);
  const beforeIds = new Set(before.map(identity));
  const afterIds = new Set(after.map(identity));
  const ref = (row: T): MembershipRef => ({ key: keyOf(row), role: row.role });
  return {
    added: after.filter((row) => !beforeIds.has(identity(row))).map(ref),
    removed: before.filter((row) => !afterIds.has(identity(row))).map(ref),
  };
}

/** Field names whose values differ; dates compare by instant. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, fields: string[]): string[] {
  const comparable = (value: unknown) => (value instanceof Date ? value.getTime() : value ?? null);
  return fields.filter((field) => comparable(before[field]) !== comparable(after[field]));
}
