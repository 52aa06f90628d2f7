import DataLoader from "dataloader";
import type { GraphQLResolveInfo } from "graphql";
import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { MemberEntity } from "../../db/entities/member.entity";
import { RowReader } from "../../db/row-reader";
import { PositionalSql, type SqlWriter } from "../../db/sql-writer";
import { joinedOrLoaded } from "../joined-parent";
import { memberColumnsFor, memberFrom, toMember } from "../member/member.mapper";
import type { Member } from "../member/member.type";
import { type PageOf, toPage } from "./connection.types";
import { decodeCursor, encodeCursor } from "./cursor";
import { afterCondition } from "./keyset";
import { selectedFieldNames } from "./selection";

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
  /**
   * The member columns the operation reads of each row's member: read in the same statement and
   * handed over as {@link JOINED_MEMBER}. Undefined: the member is left to its loader.
   */
  memberColumns?: ReadonlySet<string>;
}

/** Where a roster row carries its member, when the page read it (see {@link RosterRequest.memberColumns}). */
export const JOINED_MEMBER = Symbol("joined member");

export type RosterRow<Row> = Row & { [JOINED_MEMBER]?: Member };

/** `map` for a roster page's rows, the GraphQL membership carrying the member the page read with it. */
export function withJoinedMember<Row, Node extends { joinedMember?: Member }>(map: (row: Row) => Node): (row: RosterRow<Row>) => Node {
  return (row) => {
    const node = map(row);
    node.joinedMember = row[JOINED_MEMBER];
    return node;
  };
}

/**
 * A roster row's member: the one read with the row (under the roster's rule, the loader's
 * own: the viewer may list the member) at once, else the member loader's.
 */
export function memberOfRow(
  membership: { memberKey: string; joinedMember?: Member },
  members: DataLoader<string, MemberEntity | null>,
): Member | Promise<Member> {
  return joinedOrLoaded(
    membership.joinedMember,
    () => members.load(membership.memberKey),
    toMember,
    () => new Error(`member ${membership.memberKey} vanished while being read`),
  );
}

/**
 * The member columns a roster page's `edges { node { member { … } } }` reads, for
 * {@link RosterRequest.memberColumns}: undefined when no member is selected, or when one of its
 * fields is not mapped to columns (the loader's whole rows answer it then).
 */
export function rosterMemberColumns(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): Set<string> | undefined {
  const fields = selectedFieldNames(info, ["edges", "node", "member"]);
  return fields.size === 0 ? undefined : memberColumnsFor(fields, ["memberKey"]);
}

export interface RosterCountRequest {
  groupKey: string;
  role: string | null;
  activeOn: string | null;
}

/**
 * Narrows a roster for who is asking (e.g. hides directory opt-outs): conditions as text on the
 * member `m` and the membership row `r`, values bound through `sql`.
 */
export type MemberRestriction = (sql: SqlWriter) => Array<string | undefined>;

export interface RosterLoaders<Row extends MembershipRow> {
  page: DataLoader<RosterRequest, PageOf<RosterRow<Row>>>;
  count: DataLoader<RosterCountRequest, number>;
}

/** The roster order: the member's last and first name, then the row's key and position. */
const SORT: ReadonlyArray<[alias: "m" | "r", property: string]> = [
  ["m", "lastName"],
  ["m", "firstName"],
  ["r", "memberKey"],
  ["r", "position"],
];

/**
 * Pages of the members of many communities (or security groups) at once. Requests that share
 * their arguments but for the group become one statement: a window function numbers each
 * group's rows in roster order and the outer query keeps the first `first + 1` of each.
 * So `communities { members(first: 10) }` costs one statement however many communities.
 * Written as text, not with TypeORM's query builder, as the members page is: rosters are read
 * often, and building the statement through the builder cost more than reading its rows.
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
  const reader = new RowReader(dataSource);

  /** The join and the conditions every page and count of these groups shares. */
  const filtered = (sql: PositionalSql, groupKeys: string[], role: string | null, activeOn: string | null) => {
    const r = (property: string) => sql.column(entity, "r", property);
    const conditions = [`${r(groupColumn)} IN (${sql.list(groupKeys)})`];
    if (role) conditions.push(`${r("role")} = ${sql.bind(role)}`);
    // The SQL twin of isActiveOn: a term that has begun and not ended on the day (both ends inclusive).
    if (activeOn) {
      conditions.push(`(${r("beginDate")} IS NULL OR ${r("beginDate")} <= ${sql.bind(activeOn)})`);
      conditions.push(`(${r("endDate")} IS NULL OR ${r("endDate")} >= ${sql.bind(activeOn)})`);
    }
    for (const condition of restrict?.(sql) ?? []) if (condition !== undefined) conditions.push(condition);
    return (
      `FROM ${sql.table(entity)} r INNER JOIN ${sql.table(MemberEntity)} m ON ${sql.column(MemberEntity, "m", "memberKey")} = ${r("memberKey")} ` +
      `WHERE ${conditions.join(" AND ")}`
    );
  };

  const loadPages = async (requests: readonly RosterRequest[]): Promise<PageOf<RosterRow<Row>>[]> => {
    const sample = requests[0]!;
    const sql = new PositionalSql(dataSource);
    const sort = SORT.map(([alias, property]) => sql.column(alias === "m" ? MemberEntity : entity, alias, property));
    const rowColumns = metadata.columns.map(({ databaseName }) => `r.${reader.escape(databaseName)} AS ${reader.escape(databaseName)}`);
    // The member is joined anyway (for the order and the viewer's rule): its columns cost no statement of their own.
    const memberColumns = sample.memberColumns;
    if (memberColumns) rowColumns.push(reader.shape(MemberEntity).select("m", memberColumns));
    const memberValues = memberColumns ? reader.values(MemberEntity, "m", memberColumns) : undefined;
    const rank = `ROW_NUMBER() OVER (PARTITION BY ${sql.column(entity, "r", groupColumn)} ORDER BY ${sort.join(", ")}) AS roster_rank`;
    // The select list binds nothing, so the conditions' values are bound in the order they appear.
    const from = filtered(
      sql,
      requests.map((request) => request.groupKey),
      sample.role,
      sample.activeOn,
    );
    const after = sample.after ? ` AND ${afterCondition(sql, sort, decodeCursor(list, sample.after, SORT.length))}` : "";
    // `first` is a validated integer (1..500), so it is safe to inline.
    const limit = sample.first + 1;
    const raw = await reader.query(
      `SELECT * FROM (SELECT ${rowColumns.join(", ")}, ${sort[0]} AS sort_last_name, ${sort[1]} AS sort_first_name, ${rank} ` +
        `${from}${after}) roster WHERE roster.roster_rank <= ${limit} ORDER BY roster.roster_rank`,
      sql.values,
    );
    const byGroup = new Map<string, Array<{ row: RosterRow<Row>; cursor: string }>>();
    for (const record of raw) {
      const row = Object.fromEntries(
        metadata.columns.map((column) => [column.propertyName, record[column.databaseName]]),
      ) as RosterRow<Row>;
      row.position = Number(row.position);
      if (memberValues) row[JOINED_MEMBER] = memberFrom(record, memberValues.of);
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

  const countGroups = async (group: RosterCountRequest[]): Promise<number[]> => {
    const sample = group[0]!;
    const sql = new PositionalSql(dataSource);
    const key = sql.column(entity, "r", groupColumn);
    const from = filtered(
      sql,
      group.map((request) => request.groupKey),
      sample.role,
      sample.activeOn,
    );
    const rows = await reader.query(`SELECT ${key} AS group_key, COUNT(*) AS total ${from} GROUP BY ${key}`, sql.values);
    const totals = new Map(rows.map((row) => [String(row.group_key), Number(row.total)]));
    return group.map((request) => totals.get(request.groupKey) ?? 0);
  };

  const columnsKey = (request: RosterRequest) => (request.memberColumns ? [...request.memberColumns].sort().join(",") : null);
  const loaders: RosterLoaders<Row> = {
    page: new DataLoader(
      (requests) =>
        inGroups(
          requests,
          (request) => JSON.stringify([request.first, request.after, request.role, request.activeOn, columnsKey(request)]),
          loadPages,
        ),
      {
        cacheKeyFn: (request) =>
          JSON.stringify([request.groupKey, request.first, request.after, request.role, request.activeOn, columnsKey(request)]),
      },
    ),
    count: new DataLoader((requests) => inGroups(requests, (request) => JSON.stringify([request.role, request.activeOn]), countGroups), {
      cacheKeyFn: (request) => JSON.stringify(request),
    }),
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
