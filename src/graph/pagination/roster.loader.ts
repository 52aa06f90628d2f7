import DataLoader from "dataloader";
import type { DataSource, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { MemberEntity } from "../../db/entities/member.entity";
import { whereActiveOn } from "./active-on";
import { type PageOf, toPage } from "./connection.types";
import { decodeCursor, encodeCursor } from "./cursor";
import { whereAfter } from "./keyset";

/** What community and security-group membership rows share. */
export interface MembershipRow extends ObjectLiteral {
  memberKey: string;
  position: number;
  role: string | null;
  beginDate: string | null;
  endDate: string | null;
}

export interface RosterRequest {
  groupKey: string;
  first: number;
  after: string | null;
  role: string | null;
  activeOn: string | null;
}

export interface RosterCountRequest {
  groupKey: string;
  role: string | null;
  activeOn: string | null;
}

/** Narrows a roster for who is asking (e.g. hides directory opt-outs); `m` is the member. */
export type MemberRestriction = (query: SelectQueryBuilder<ObjectLiteral>) => void;

export interface RosterLoaders<Row extends MembershipRow> {
  page: DataLoader<RosterRequest, PageOf<Row>>;
  count: DataLoader<RosterCountRequest, number>;
}

const SORT = ["m.lastName", "m.firstName", "r.memberKey", "r.position"];

/**
 * Pages of the members of many communities (or security groups) at once. Requests that share
 * their arguments but for the group become one statement: a window function numbers each
 * group's rows in roster order and the outer query keeps the first `first + 1` of each.
 * So `communities { members(first: 10) }` costs one statement however many communities.
 */
export function createRosterLoaders<Row extends MembershipRow>(
  dataSource: DataSource,
  entity: EntityTarget<Row>,
  groupColumn: "communityKey" | "groupKey",
  restrict: MemberRestriction | undefined,
): RosterLoaders<Row> {
  const list = `roster:${groupColumn}`;
  const metadata = dataSource.getMetadata(entity);
  const groupDbColumn = metadata.findColumnWithPropertyName(groupColumn)!.databaseName;
  // Raw expressions name columns escaped, so the query builder never mistakes them for properties.
  const column = (alias: string, name: string) => `${dataSource.driver.escape(alias)}.${dataSource.driver.escape(name)}`;

  const filtered = (groupKeys: string[], role: string | null, activeOn: string | null) => {
    const query = dataSource
      .getRepository(entity)
      .createQueryBuilder("r")
      .innerJoin(MemberEntity, "m", "m.memberKey = r.memberKey")
      .where(`r.${groupColumn} IN (:...groupKeys)`, { groupKeys });
    if (role) query.andWhere("r.role = :role", { role });
    if (activeOn) whereActiveOn(query, "r", activeOn);
    restrict?.(query as unknown as SelectQueryBuilder<ObjectLiteral>);
    return query;
  };

  const loadPages = async (requests: readonly RosterRequest[]): Promise<PageOf<Row>[]> => {
    const sample = requests[0]!;
    const query = filtered(
      requests.map((request) => request.groupKey),
      sample.role,
      sample.activeOn,
    ).select([]);
    for (const { databaseName } of metadata.columns) query.addSelect(column("r", databaseName), databaseName);
    query.addSelect(column("m", "last_name"), "sort_last_name").addSelect(column("m", "first_name"), "sort_first_name");
    const order = [column("m", "last_name"), column("m", "first_name"), column("r", "member_key"), column("r", "position")];
    query.addSelect(`ROW_NUMBER() OVER (PARTITION BY ${column("r", groupDbColumn)} ORDER BY ${order.join(", ")})`, "roster_rank");
    if (sample.after) whereAfter(query, SORT, decodeCursor(list, sample.after, SORT.length));
    const [innerSql, parameters] = query.getQueryAndParameters();
    // `first` is a validated integer (1..500), so it is safe to inline.
    const limit = sample.first + 1;
    const raw: Array<Record<string, unknown>> = await dataSource.query(
      `SELECT * FROM (${innerSql}) roster WHERE roster.roster_rank <= ${limit} ORDER BY roster.roster_rank`,
      parameters,
    );
    const byGroup = new Map<string, Array<{ row: Row; cursor: string }>>();
    for (const record of raw) {
      const row = Object.fromEntries(metadata.columns.map((column) => [column.propertyName, record[column.databaseName]])) as Row;
      row.position = Number(row.position);
      const cursor = encodeCursor(list, [String(record.sort_last_name), String(record.sort_first_name), row.memberKey, row.position]);
      const group = String(record[groupDbColumn]);
      if (!byGroup.has(group)) byGroup.set(group, []);
      byGroup.get(group)!.push({ row, cursor });
    }
    return requests.map((request) => {
      const rows = byGroup.get(request.groupKey) ?? [];
      const countRequest = { groupKey: request.groupKey, role: request.role, activeOn: request.activeOn };
      return toPage(
        rows,
        request.first,
        request.after,
        (entry) => entry.cursor,
        (entry) => entry.row,
        () => loaders.count.load(countRequest),
      );
    });
  };

  const loaders: RosterLoaders<Row> = {
    page: new DataLoader(
      (requests) =>
        inGroups(requests, (request) => JSON.stringify([request.first, request.after, request.role, request.activeOn]), loadPages),
      { cacheKeyFn: (request) => JSON.stringify(request) },
    ),
    count: new DataLoader(
      (requests) =>
        inGroups(
          requests,
          (request) => JSON.stringify([request.role, request.activeOn]),
          async (group) => {
            const sample = group[0]!;
            const rows: Array<{ group_key: string; total: string | number }> = await filtered(
              group.map((request) => request.groupKey),
              sample.role,
              sample.activeOn,
            )
              .select(column("r", groupDbColumn), "group_key")
              .addSelect("COUNT(*)", "total")
              .groupBy(column("r", groupDbColumn))
              .getRawMany();
            const totals = new Map(rows.map((row) => [String(row.group_key), Number(row.total)]));
            return group.map((request) => totals.get(request.groupKey) ?? 0);
          },
        ),
      { cacheKeyFn: (request) => JSON.stringify(request) },
    ),
  };
  return loaders;
}

/** Runs `load` once per group of requests sharing a signature, answering in request order. */
async function inGroups<Request, Result>(
  requests: readonly Request[],
  signature: (request: Request) => string,
  load: (group: Request[]) => Promise<Result[]>,
): Promise<Result[]> {
  const groups = new Map<string, number[]>();
  requests.forEach((request, index) => {
    const key = signature(request);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(index);
  });
  const results = new Array<Result>(requests.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const answers = await load(indexes.map((index) => requests[index]!));
      indexes.forEach((index, position) => {
        results[index] = answers[position]!;
      });
    }),
  );
  return results;
}
