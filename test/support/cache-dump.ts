import type { DataSource, ObjectLiteral } from "typeorm";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  EventEntity,
  MemberDemographicEntity,
  MemberEntity,
  MemberPhoneEntity,
  MemberSocialLinkEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../../src/db/entities";

/** Bookkeeping that differs between two runs of the same data: when each was written. */
const WRITE_TIMES = new Set(["lastRefreshedAt", "changedAt", "createdAt"]);

const TABLES: Array<[string, new () => ObjectLiteral, string[]]> = [
  ["members", MemberEntity, ["memberKey"]],
  ["phones", MemberPhoneEntity, ["memberKey", "position"]],
  ["socialLinks", MemberSocialLinkEntity, ["memberKey", "position"]],
  ["demographics", MemberDemographicEntity, ["memberKey", "position"]],
  ["communities", CommunityEntity, ["communityKey"]],
  ["communityMemberships", CommunityMembershipEntity, ["memberKey", "position"]],
  ["securityGroups", SecurityGroupEntity, ["groupKey"]],
  ["securityGroupMemberships", SecurityGroupMembershipEntity, ["memberKey", "position"]],
  ["events", EventEntity, ["eventKey"]],
];

/** Everything the cache holds, minus write times, in a stable order: two equal caches dump equal. */
export async function dumpCache(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const [name, entity, order] of TABLES) {
    // Sorted here, not in SQL: MySQL and SQLite collate text differently.
    const compare = (a: ObjectLiteral, b: ObjectLiteral) => {
      for (const column of order) {
        if (a[column] < b[column]) return -1;
        if (a[column] > b[column]) return 1;
      }
      return 0;
    };
    const rows = (await dataSource.getRepository(entity).find()).sort(compare);
    dump[name] = rows.map((row) =>
      Object.fromEntries(
        Object.entries(row)
          .filter(([column]) => !WRITE_TIMES.has(column))
          .map(([column, value]) => [column, value instanceof Date ? value.toISOString() : value]),
      ),
    );
  }
  return dump;
}
