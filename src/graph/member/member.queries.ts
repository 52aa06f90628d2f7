import type { DataSource, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { CommunityMembershipEntity } from "../../db/entities/community-membership.entity";
import { MemberEntity } from "../../db/entities/member.entity";
import { RowReader } from "../../db/row-reader";
import { SecurityGroupMembershipEntity } from "../../db/entities/security-group-membership.entity";
import type { PageArgs } from "../pagination/page.args";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { type PageOf, toPage } from "../pagination/connection.types";
import { likeContains, whereAfter } from "../pagination/keyset";
import type { MemberVisibility } from "../visibility";
import type { MemberFilter } from "./member-filter.input";

export const MEMBER_LIST = "members";
const SORT = ["m.lastName", "m.firstName", "m.memberKey"];

export const memberCursor = (row: MemberEntity): string => encodeCursor(MEMBER_LIST, [row.lastName, row.firstName, row.memberKey]);

/**
 * Applies a member filter; shared by the page and its count so they always agree. Every condition
 * matches only what the viewer may read: search skips hidden contact fields, and a community
 * filter matches only a roster the viewer may list.
 */
export function applyMemberFilter(
  query: SelectQueryBuilder<MemberEntity>,
  filter: MemberFilter | null | undefined,
  visibility: MemberVisibility,
): SelectQueryBuilder<MemberEntity> {
  if (!filter) return query;
  const untyped = query as unknown as SelectQueryBuilder<ObjectLiteral>;
  const words = (filter.search ?? "")
    .split(/\s+/)
    .filter((word) => word !== "")
    .slice(0, 8);
  const columns = words.length > 0 ? visibility.searchableColumns(untyped) : [];
  words.forEach((word, index) => {
    const any = columns.map((column) => `${column} LIKE :word${index} ESCAPE '!'`).join(" OR ");
    query.andWhere(`(${any})`, { [`word${index}`]: likeContains(word) });
  });
  if (filter.memberTypes && filter.memberTypes.length > 0) {
    query.andWhere("m.memberType IN (:...memberTypes)", { memberTypes: filter.memberTypes });
  }
  if (filter.statuses && filter.statuses.length > 0) {
    query.andWhere("m.status IN (:...statuses)", { statuses: filter.statuses });
  }
  if (filter.isMember !== null && filter.isMember !== undefined) {
    query.andWhere("m.isMember = :isMember", { isMember: filter.isMember });
  }
  if (filter.communityKey) {
    const listed = query
      .subQuery()
      .select("1")
      .from(CommunityMembershipEntity, "cm")
      .where("cm.memberKey = m.memberKey AND cm.communityKey = :communityKey");
    visibility.restrictCommunityRoster(listed, "cm");
    query.andWhere(`EXISTS ${listed.getQuery()}`, { communityKey: filter.communityKey });
  }
  if (filter.securityGroupKey) {
    const grouped = query
      .subQuery()
      .select("1")
      .from(SecurityGroupMembershipEntity, "sgm")
      .where("sgm.memberKey = m.memberKey AND sgm.groupKey = :groupKey")
      .getQuery();
    query.andWhere(`EXISTS ${grouped}`, { groupKey: filter.securityGroupKey });
  }
  if (filter.changedSince) {
    query.andWhere("m.changedAt >= :changedSince", { changedSince: filter.changedSince });
  }
  return query;
}

/** What a page must read whatever is selected: the key and the sort columns its cursors encode. */
export const MEMBER_PAGE_COLUMNS = ["memberKey", "lastName", "firstName"] as const;

/**
 * One page of the members the viewer may list, ordered by last name, first name, key: one
 * statement for the page and, only when asked, one for the count. With `columns`, only those
 * properties are read (they must include {@link MEMBER_PAGE_COLUMNS}); the rows are then partial.
 */
export async function pageMembers(
  dataSource: DataSource,
  filter: MemberFilter | null | undefined,
  page: PageArgs,
  visibility: MemberVisibility,
  columns?: ReadonlySet<string>,
): Promise<PageOf<MemberEntity>> {
  const base = () => {
    const query = applyMemberFilter(dataSource.getRepository(MemberEntity).createQueryBuilder("m"), filter, visibility);
    visibility.restrictMembers(query as unknown as SelectQueryBuilder<ObjectLiteral>);
    return query;
  };
  const query = base();
  if (page.after) whereAfter(query, SORT, decodeCursor(MEMBER_LIST, page.after, SORT.length));
  SORT.forEach((column) => query.addOrderBy(column, "ASC"));
  // Raw rows and the driver's column conversion: a page of hundreds of members is read often.
  const reader = new RowReader(dataSource);
  query.select(reader.shape(MemberEntity).select("m", columns));
  // TypeORM builds the statement (filters, visibility, keyset); the reader runs it.
  const [sql, parameters] = query.limit(page.first + 1).getQueryAndParameters();
  const raw = await reader.query(sql, parameters);
  const rows = raw.map((row) => reader.hydrate(MemberEntity, "m", row, columns));
  return toPage(
    rows,
    page.first,
    page.after,
    memberCursor,
    (row) => row,
    () => base().getCount(),
  );
}
