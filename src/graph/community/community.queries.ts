import type { DataSource } from "typeorm";
import { CommunityEntity } from "../../db/entities/community.entity";
import { type PageOf, toPage } from "../pagination/connection.types";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { likeContains, whereAfter } from "../pagination/keyset";
import type { PageArgs } from "../pagination/page.args";
import type { CommunityFilter } from "./community-filter.input";

const COMMUNITY_LIST = "communities";
const COMMUNITY_SORT = ["c.name", "c.communityKey"];

export async function pageCommunities(
  dataSource: DataSource,
  filter: CommunityFilter | null | undefined,
  page: PageArgs,
): Promise<PageOf<CommunityEntity>> {
  const base = () => {
    const query = dataSource.getRepository(CommunityEntity).createQueryBuilder("c");
    if (filter?.type) query.andWhere("c.type = :type", { type: filter.type });
    if (filter?.subType) query.andWhere("c.subType = :subType", { subType: filter.subType });
    if (filter?.search) query.andWhere("c.name LIKE :search ESCAPE '!'", { search: likeContains(filter.search) });
    return query;
  };
  const query = base();
  if (page.after) {
    whereAfter(query, COMMUNITY_SORT, decodeCursor(COMMUNITY_LIST, page.after, COMMUNITY_SORT.length));
  }
  COMMUNITY_SORT.forEach((column) => query.addOrderBy(column, "ASC"));
  const rows = await query.limit(page.first + 1).getMany();
  const cursorOf = (row: CommunityEntity) => encodeCursor(COMMUNITY_LIST, [row.name, row.communityKey]);
  return toPage(
    rows,
    page.first,
    page.after,
    cursorOf,
    (row) => row,
    () => base().getCount(),
  );
}
