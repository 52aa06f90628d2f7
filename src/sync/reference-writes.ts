import type { EntityManager } from "typeorm";
import { findWhereIn, insertMany } from "../db/bulk-writes";
import { CommunityEntity, SecurityGroupEntity } from "../db/entities";
import type { CommunityRow, GroupRow } from "./member-rows";

/**
 * Communities and groups this process has read back from the database, by key, with what they
 * held. Nearly every batch names the same few hundred communities; when they are known and
 * unchanged there is nothing to read or write. Only rows seen committed are remembered (never
 * ones this transaction wrote, which a rollback could undo), and none is ever deleted, so a
 * remembered row always exists.
 */
export class ReferenceCache {
  private readonly seen = new Map<string, string>();

  constructor(private readonly capacity = 20_000) {}

  isCurrent(kind: string, key: string, signature: string): boolean {
    return this.seen.get(`${kind}:${key}`) === signature;
  }

  remember(kind: string, key: string, signature: string): void {
    if (this.seen.size >= this.capacity) this.seen.clear();
    this.seen.set(`${kind}:${key}`, signature);
  }
}

const communitySignature = (row: CommunityRow) => JSON.stringify([row.name, row.type, row.subType, row.parentKey]);
const groupSignature = (row: { name: string; amsType: string | null; grantsMemberStatus: boolean; isStaff: boolean; isAdmin: boolean }) =>
  JSON.stringify([row.name, row.amsType, row.grantsMemberStatus, row.isStaff, row.isAdmin]);

/**
 * Last one wins within a batch (members refreshed later carry the newer name); what the AMS sent
 * wins over what a purchase rule names.
 */
function unique<T extends { fromRule?: true }>(rows: T[], keyOf: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    if (row.fromRule && byKey.has(keyOf(row))) continue;
    byKey.set(keyOf(row), row);
  }
  return [...byKey.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/**
 * Creates communities seen for the first time and updates those whose name, type or parent
 * changed; untouched ones are not written, so concurrent refreshes rarely lock the same rows.
 * Keys are handled in sorted order so two transactions lock them in the same order.
 */
export async function syncCommunities(manager: EntityManager, rows: CommunityRow[], now: Date, cache: ReferenceCache): Promise<void> {
  const wanted = unique(rows, (row) => row.communityKey).filter(
    (row) => !cache.isCurrent("community", row.communityKey, communitySignature(row)),
  );
  if (wanted.length === 0) return;
  const current = new Map(
    (
      await findWhereIn(
        manager,
        CommunityEntity,
        "communityKey",
        wanted.map((row) => row.communityKey),
      )
    ).map((row) => [row.communityKey, row]),
  );
  for (const row of current.values()) cache.remember("community", row.communityKey, communitySignature(row));
  const fresh = wanted.filter((row) => !current.has(row.communityKey));
  const stale = wanted.filter((row) => {
    const existing = current.get(row.communityKey);
    return (
      existing !== undefined &&
      !row.fromRule &&
      (existing.name !== row.name || existing.type !== row.type || existing.subType !== row.subType || existing.parentKey !== row.parentKey)
    );
  });
  // Ignore, not fail, on a key another transaction inserted a moment ago.
  await insertMany(
    manager,
    CommunityEntity,
    fresh.map(({ fromRule: _, ...row }) => ({ ...row, sourceUpdatedAt: null, lastRefreshedAt: now, createdAt: now })),
    { ignore: true },
  );
  await insertMany(
    manager,
    CommunityEntity,
    stale.map(({ fromRule: _, ...row }) => ({
      ...row,
      sourceUpdatedAt: null,
      lastRefreshedAt: now,
      createdAt: current.get(row.communityKey)!.createdAt,
    })),
    { update: ["name", "type", "subType", "parentKey", "lastRefreshedAt"], keys: ["communityKey"] },
  );
}

/** The same for security groups, including their configured flags. */
export async function syncGroups(manager: EntityManager, rows: GroupRow[], now: Date, cache: ReferenceCache): Promise<void> {
  const wanted = unique(rows, (row) => row.groupKey).filter((row) => !cache.isCurrent("group", row.groupKey, groupSignature(row)));
  if (wanted.length === 0) return;
  const current = new Map(
    (
      await findWhereIn(
        manager,
        SecurityGroupEntity,
        "groupKey",
        wanted.map((row) => row.groupKey),
      )
    ).map((row) => [row.groupKey, row]),
  );
  for (const row of current.values()) cache.remember("group", row.groupKey, groupSignature(row));
  const fresh = wanted.filter((row) => !current.has(row.groupKey));
  const stale = wanted.filter((row) => {
    const existing = current.get(row.groupKey);
    return (
      existing !== undefined &&
      !row.fromRule &&
      existing.kind === "AMS" &&
      (existing.name !== row.name ||
        existing.amsType !== row.amsType ||
        existing.grantsMemberStatus !== row.grantsMemberStatus ||
        existing.isStaff !== row.isStaff ||
        existing.isAdmin !== row.isAdmin)
    );
  });
  const entity = ({ fromRule: _, ...row }: GroupRow, createdAt: Date) => ({
    ...row,
    kind: "AMS" as const,
    sourceUpdatedAt: null,
    lastRefreshedAt: now,
    createdAt,
  });
  await insertMany(
    manager,
    SecurityGroupEntity,
    fresh.map((row) => entity(row, now)),
    { ignore: true },
  );
  await insertMany(
    manager,
    SecurityGroupEntity,
    stale.map((row) => entity(row, current.get(row.groupKey)!.createdAt)),
    { update: ["name", "amsType", "grantsMemberStatus", "isStaff", "isAdmin", "lastRefreshedAt"], keys: ["groupKey"] },
  );
}
