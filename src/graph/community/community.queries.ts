import type { DataSource } from "typeorm";
import { CommunityEntity } from "../../db/entities/community.entity";
import { RowReader } from "../../db/row-reader";
import { PositionalSql, whereOf } from "../../db/sql-writer";
import { type PageOf, toPage } from "../pagination/connection.types";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { afterCondition, likeContains } from "../pagination/keyset";
import type { PageArgs } from "../pagination/page.args";
import type { CommunityFilter } from "./community-filter.input";

const COMMUNITY_LIST = "communities";
const COMMUNITY_SORT = ["name", "communityKey"];

/** The filter's conditions on `c`, bound through `sql`; shared by the page and its count so they agree. */
function communityConditions(sql: PositionalSql, filter: CommunityFilter | null | undefined): string[] {
  const column = (property: string) => sql.column(CommunityEntity, "c", property);
  const conditions: string[] = [];
  if (filter?.type) conditions.push(`${column("type")} = ${sql.bind(filter.type)}`);
  if (filter?.subType) conditions.push(`${column("subType")} = ${sql.bind(filter.subType)}`);
  if (filter?.search) conditions.push(`${column("name")} LIKE ${sql.bind(likeContains(filter.search))} ESCAPE '!'`);
  return conditions;
}

/** Communities ordered by name, then key: one statement for the page and, only when asked, one for the count. */
export async function pageCommunities(
  dataSource: DataSource,
  filter: CommunityFilter | null | undefined,
  page: PageArgs,
): Promise<PageOf<CommunityEntity>> {
  // Written as text, as the members page is; the rows are whole (the resolver primes the community loader with them).
  const reader = new RowReader(dataSource);
  const shape = reader.shape(CommunityEntity);
  const sql = new PositionalSql(dataSource);
  const conditions = communityConditions(sql, filter);
  const sort = COMMUNITY_SORT.map((property) => sql.column(CommunityEntity, "c", property));
  if (page.after) conditions.push(afterCondition(sql, sort, decodeCursor(COMMUNITY_LIST, page.after, COMMUNITY_SORT.length)));
  // `first` is a validated integer (1..500), so it is safe to inline.
  const text =
    `SELECT ${shape.select("c")} FROM ${shape.table} c${whereOf(conditions)} ` +
    `ORDER BY ${sort.map((column) => `${column} ASC`).join(", ")} LIMIT ${page.first + 1}`;
  const rows = (await reader.query(text, sql.values)).map((row) => reader.hydrate(CommunityEntity, "c", row));
  const count = async () => {
    const counting = new PositionalSql(dataSource);
    const where = whereOf(communityConditions(counting, filter));
    const totals = await reader.query(`SELECT COUNT(*) AS total FROM ${shape.table} c${where}`, counting.values);
    return Number(totals[0]?.total ?? 0);
  };
  const cursorOf = (row: CommunityEntity) => encodeCursor(COMMUNITY_LIST, [row.name, row.communityKey]);
  return toPage(rows, page.first, page.after, cursorOf, (row) => row, count);
}
