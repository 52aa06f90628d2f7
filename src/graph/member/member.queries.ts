import type { DataSource } from "typeorm";
import { CommunityMembershipEntity } from "../../db/entities/community-membership.entity";
import { MemberEntity } from "../../db/entities/member.entity";
import { RowReader } from "../../db/row-reader";
import { PositionalSql, type SqlWriter, whereOf } from "../../db/sql-writer";
import { SecurityGroupMembershipEntity } from "../../db/entities/security-group-membership.entity";
import type { PageArgs } from "../pagination/page.args";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { type PageOf, toPage } from "../pagination/connection.types";
import { afterCondition, likeContains } from "../pagination/keyset";
import type { MemberVisibility } from "../visibility";
import type { MemberFilter } from "./member-filter.input";
import { memberFrom, toMember } from "./member.mapper";
import type { Member } from "./member.type";

export const MEMBER_LIST = "members";
const SORT = ["lastName", "firstName", "memberKey"];

export const memberCursor = (row: MemberEntity): string => encodeCursor(MEMBER_LIST, [row.lastName, row.firstName, row.memberKey]);

/**
 * The conditions of a member filter and of the viewer's row rule on `m`, as text; shared by the
 * page and its count so they always agree. Every condition matches only what the viewer may
 * read: search skips hidden contact fields, and a community filter matches only a roster the
 * viewer may list. Values are bound in the order the conditions are joined.
 */
export function memberConditions(sql: SqlWriter, filter: MemberFilter | null | undefined, visibility: MemberVisibility): string[] {
  const conditions: string[] = [];
  const column = (property: string) => sql.column(MemberEntity, "m", property);
  const anyOf = (values: readonly string[]) => values.map((value) => sql.bind(value)).join(", ");
  if (filter) {
    const words = (filter.search ?? "")
      .split(/\s+/)
      .filter((word) => word !== "")
      .slice(0, 8);
    for (const word of words) conditions.push(visibility.searchCondition(sql, "m", likeContains(word)));
    if (filter.memberTypes && filter.memberTypes.length > 0) conditions.push(`${column("memberType")} IN (${anyOf(filter.memberTypes)})`);
    if (filter.statuses && filter.statuses.length > 0) conditions.push(`${column("status")} IN (${anyOf(filter.statuses)})`);
    if (filter.isMember !== null && filter.isMember !== undefined) conditions.push(`${column("isMember")} = ${sql.bind(filter.isMember)}`);
    if (filter.communityKey) {
      const term = (property: string) => sql.column(CommunityMembershipEntity, "cm", property);
      const listed = `${term("memberKey")} = ${column("memberKey")} AND ${term("communityKey")} = ${sql.bind(filter.communityKey)}`;
      const roster = visibility.communityRosterCondition(sql, "cm");
      conditions.push(
        `EXISTS (SELECT 1 FROM ${sql.table(CommunityMembershipEntity)} cm WHERE ${listed}${roster === undefined ? "" : ` AND ${roster}`})`,
      );
    }
    if (filter.securityGroupKey) {
      const held = (property: string) => sql.column(SecurityGroupMembershipEntity, "sgm", property);
      conditions.push(
        `EXISTS (SELECT 1 FROM ${sql.table(SecurityGroupMembershipEntity)} sgm WHERE ${held("memberKey")} = ${column("memberKey")} ` +
          `AND ${held("groupKey")} = ${sql.bind(filter.securityGroupKey)})`,
      );
    }
    if (filter.changedSince) conditions.push(`${column("changedAt")} >= ${sql.bind(filter.changedSince)}`);
  }
  const restricted = visibility.membersCondition(sql, "m");
  if (restricted !== undefined) conditions.push(restricted);
  return conditions;
}

/** What a page must read whatever is selected: the key and the sort columns its cursors encode. */
export const MEMBER_PAGE_COLUMNS = ["memberKey", "lastName", "firstName"] as const;

/**
 * One page of the members the viewer may list, ordered by last name, first name, key: one
 * statement for the page and, only when asked, one for the count. With `columns`, only those
 * properties are read (they must include {@link MEMBER_PAGE_COLUMNS}) and the members are partial;
 * without, whole rows are read and each entity is also handed to `whole`.
 */
export async function pageMembers(
  dataSource: DataSource,
  filter: MemberFilter | null | undefined,
  page: PageArgs,
  visibility: MemberVisibility,
  columns?: ReadonlySet<string>,
  whole?: (entity: MemberEntity) => void,
): Promise<PageOf<Member>> {
  // Written as text, not with TypeORM's query builder: the page is read often and its statement
  // has few shapes. The select list is cached per column set (the resolver's set is one per field).
  const reader = new RowReader(dataSource);
  const shape = reader.shape(MemberEntity);
  const sql = new PositionalSql(dataSource);
  const conditions = memberConditions(sql, filter, visibility);
  const sort = SORT.map((property) => sql.column(MemberEntity, "m", property));
  if (page.after) conditions.push(afterCondition(sql, sort, decodeCursor(MEMBER_LIST, page.after, SORT.length)));
  // `first` is a validated integer (1..500), so it is safe to inline.
  const text =
    `SELECT ${shape.select("m", columns)} FROM ${shape.table} m${whereOf(conditions)} ` +
    `ORDER BY ${sort.map((column) => `${column} ASC`).join(", ")} LIMIT ${page.first + 1}`;
  const raw = await reader.query(text, sql.values);
  const count = () => countMembers(reader, filter, visibility);
  if (!columns) {
    // Whole rows: the entity is kept too (`whole`), for the loader that answers other fields.
    const rows = raw.map((row) => reader.hydrate(MemberEntity, "m", row));
    for (const row of rows.slice(0, page.first)) whole?.(row);
    return toPage(rows, page.first, page.after, memberCursor, toMember, count);
  }
  // Some columns: each row becomes the GraphQL member directly, with no entity between.
  const values = reader.values(MemberEntity, "m", columns);
  const [last, first, key] = SORT.map((property) => values.keyOf(property)) as [string, string, string];
  const cursorOf = (row: Record<string, unknown>) =>
    encodeCursor(MEMBER_LIST, [row[last] as string, row[first] as string, row[key] as string]);
  return toPage(raw, page.first, page.after, cursorOf, (row) => memberFrom(row, values.of), count);
}

/** How many members the filter and the viewer's row rule let through, across all pages. */
async function countMembers(reader: RowReader, filter: MemberFilter | null | undefined, visibility: MemberVisibility): Promise<number> {
  const sql = new PositionalSql(reader.dataSource);
  const conditions = memberConditions(sql, filter, visibility);
  const rows = await reader.query(`SELECT COUNT(*) AS total FROM ${reader.shape(MemberEntity).table} m${whereOf(conditions)}`, sql.values);
  return Number(rows[0]?.total ?? 0);
}
