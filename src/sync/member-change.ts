/** What one refresh changed for one member; published as `memberChanged`. */
export interface MemberChangeEvent {
  memberKey: string;
  kind: "CREATED" | "UPDATED" | "DISABLED";
  /** Member fields whose value changed (for CREATED: every field that has a value). */
  changedFields: string[];
  communitiesAdded: MembershipRef[];
  communitiesRemoved: MembershipRef[];
  /** Still a member of these, with a new role or term. */
  communitiesChanged: MembershipRef[];
  securityGroupsAdded: MembershipRef[];
  securityGroupsRemoved: MembershipRef[];
  securityGroupsChanged: MembershipRef[];
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

/** What became of a member's memberships: groups joined, groups left, and groups kept with a new role or term. */
export interface MembershipDiff {
  added: MembershipRef[];
  removed: MembershipRef[];
  changed: MembershipRef[];
}

/**
 * Compares memberships group by group: a group in both lists is never reported as added and
 * removed at once; if its role or term moved, it is `changed` (with its rows as they are now).
 */
export function diffMemberships<T extends MembershipLike>(before: T[], after: T[], keyOf: (row: T) => string): MembershipDiff {
  const terms = (rows: T[]) =>
    rows
      .map((row) => JSON.stringify([row.role, row.beginDate, row.endDate]))
      .sort()
      .join("|");
  const byKey = (rows: T[]) => {
    const grouped = new Map<string, T[]>();
    for (const row of rows) grouped.set(keyOf(row), [...(grouped.get(keyOf(row)) ?? []), row]);
    return grouped;
  };
  const was = byKey(before);
  const now = byKey(after);
  const ref = (row: T): MembershipRef => ({ key: keyOf(row), role: row.role });
  const diff: MembershipDiff = { added: [], removed: [], changed: [] };
  for (const [key, rows] of now) {
    const old = was.get(key);
    if (!old) diff.added.push(...rows.map(ref));
    else if (terms(old) !== terms(rows)) diff.changed.push(...rows.map(ref));
  }
  for (const [key, rows] of was) if (!now.has(key)) diff.removed.push(...rows.map(ref));
  return diff;
}

/** No membership moved. */
export function isEmptyDiff(diff: MembershipDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}

/** Field names whose values differ; dates compare by instant. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, fields: string[]): string[] {
  const comparable = (value: unknown) => (value instanceof Date ? value.getTime() : (value ?? null));
  return fields.filter((field) => comparable(before[field]) !== comparable(after[field]));
}
