import type { DataSource, ObjectLiteral } from "typeorm";
import { RefreshFailureEntity } from "../../db/entities/refresh-failure.entity";
import { SyncRunEntity } from "../../db/entities/sync-run.entity";
import { GraphError } from "../graph.error";
import { type PageOf, toPage } from "../pagination/connection.types";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { whereAfter } from "../pagination/keyset";
import type { PageArgs } from "../pagination/page.args";

/** Newest first: the order people read a log in. */
async function pageNewestFirst<E extends ObjectLiteral>(
  dataSource: DataSource,
  entity: new () => E,
  list: string,
  timeColumn: keyof E & string,
  keyColumn: keyof E & string,
  page: PageArgs,
): Promise<PageOf<E>> {
  const sort = [`r.${timeColumn}`, `r.${keyColumn}`];
  const query = dataSource.getRepository(entity).createQueryBuilder("r");
  if (page.after) {
    const [at, key] = decodeCursor(list, page.after, 2);
    const instant = new Date(String(at));
    if (Number.isNaN(instant.getTime())) throw GraphError.badInput("after is not a cursor from this list");
    whereAfter(query, sort, [instant, String(key)], "after", "DESC");
  }
  sort.forEach((column) => query.addOrderBy(column, "DESC"));
  const rows = await query.limit(page.first + 1).getMany();
  const cursorOf = (row: E) => encodeCursor(list, [(row[timeColumn] as Date).toISOString(), String(row[keyColumn])]);
  return toPage(
    rows,
    page.first,
    page.after,
    cursorOf,
    (row) => row,
    () => dataSource.getRepository(entity).count(),
  );
}

export const pageSyncRuns = (dataSource: DataSource, page: PageArgs) =>
  pageNewestFirst(dataSource, SyncRunEntity, "sync-runs", "startedAt", "id", page);

export const pageRefreshFailures = (dataSource: DataSource, page: PageArgs) =>
  pageNewestFirst(dataSource, RefreshFailureEntity, "refresh-failures", "failedAt", "memberKey", page);
