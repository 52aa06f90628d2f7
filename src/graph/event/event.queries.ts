import type { DataSource } from "typeorm";
import { EventEntity } from "../../db/entities/event.entity";
import { RowReader } from "../../db/row-reader";
import { PositionalSql } from "../../db/sql-writer";
import { GraphError } from "../graph.error";
import { type PageOf, toPage } from "../pagination/connection.types";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { afterCondition } from "../pagination/keyset";
import type { EventsArgs } from "./events.args";

const EVENT_LIST = "events";
const SORT = ["startsAt", "eventKey"];

/** Who asks: a viewer who may not see members-only events sees public ones only. */
export interface EventAudience {
  publicOnly: boolean;
}

/** The list's conditions on `e`, bound through `sql`; shared by the page and its count so they agree. */
function eventConditions(sql: PositionalSql, args: EventsArgs, audience: EventAudience): string[] {
  const column = (property: string) => sql.column(EventEntity, "e", property);
  const conditions = [`${column("isDeleted")} = ${sql.bind(false)}`];
  // An event counts from its start to its end (or its start, if it gives no end).
  if (args.from) conditions.push(`COALESCE(${column("endsAt")}, ${column("startsAt")}) >= ${sql.bind(args.from)}`);
  if (args.to) conditions.push(`${column("startsAt")} < ${sql.bind(args.to)}`);
  if (audience.publicOnly) conditions.push(`${column("isMembersOnly")} = ${sql.bind(false)}`);
  return conditions;
}

/** Upcoming and past events ordered by start, never the ones the AMS deleted. */
export async function pageEvents(dataSource: DataSource, args: EventsArgs, audience: EventAudience): Promise<PageOf<EventEntity>> {
  if (args.from && args.to && args.from >= args.to) {
    throw GraphError.badInput("from must be earlier than to");
  }
  const reader = new RowReader(dataSource);
  const shape = reader.shape(EventEntity);
  const sql = new PositionalSql(dataSource);
  const conditions = eventConditions(sql, args, audience);
  const sort = SORT.map((property) => sql.column(EventEntity, "e", property));
  if (args.after) {
    const [startsAt, key] = decodeCursor(EVENT_LIST, args.after, SORT.length);
    const instant = new Date(String(startsAt));
    if (Number.isNaN(instant.getTime())) throw GraphError.badInput("after is not a cursor from this list");
    conditions.push(afterCondition(sql, sort, [instant, String(key)]));
  }
  // `first` is a validated integer, so it is safe to inline.
  const text =
    `SELECT ${shape.select("e")} FROM ${shape.table} e WHERE ${conditions.join(" AND ")} ` +
    `ORDER BY ${sort.map((column) => `${column} ASC`).join(", ")} LIMIT ${args.first + 1}`;
  const rows = (await reader.query(text, sql.values)).map((row) => reader.hydrate(EventEntity, "e", row));
  const count = async () => {
    const counting = new PositionalSql(dataSource);
    const where = eventConditions(counting, args, audience).join(" AND ");
    const totals = await reader.query(`SELECT COUNT(*) AS total FROM ${shape.table} e WHERE ${where}`, counting.values);
    return Number(totals[0]?.total ?? 0);
  };
  const cursorOf = (row: EventEntity) => encodeCursor(EVENT_LIST, [row.startsAt.toISOString(), row.eventKey]);
  return toPage(rows, args.first, args.after, cursorOf, (row) => row, count);
}
