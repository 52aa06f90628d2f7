import type { DataSource, SelectQueryBuilder } from "typeorm";
import { EventEntity } from "../../db/entities/event.entity";
import { GraphError } from "../graph.error";
import { type PageOf, toPage } from "../pagination/connection.types";
import { decodeCursor, encodeCursor } from "../pagination/cursor";
import { whereAfter } from "../pagination/keyset";
import type { EventsArgs } from "./events.args";

const EVENT_LIST = "events";
const SORT = ["e.startsAt", "e.eventKey"];

/** Upcoming and past events ordered by start, never the ones the AMS deleted. */
export async function pageEvents(
  dataSource: DataSource,
  args: EventsArgs,
  restrict?: (query: SelectQueryBuilder<EventEntity>) => void,
): Promise<PageOf<EventEntity>> {
  if (args.from && args.to && args.from >= args.to) {
    throw GraphError.badInput("from must be earlier than to");
  }
  const base = () => {
    const query = dataSource.getRepository(EventEntity).createQueryBuilder("e").where("e.isDeleted = :deleted", { deleted: false });
    // An event counts from its start to its end (or its start, if it gives no end).
    if (args.from) query.andWhere("COALESCE(e.endsAt, e.startsAt) >= :from", { from: args.from });
    if (args.to) query.andWhere("e.startsAt < :to", { to: args.to });
    restrict?.(query);
    return query;
  };
  const query = base();
  if (args.after) {
    const [startsAt, key] = decodeCursor(EVENT_LIST, args.after, SORT.length);
    const instant = new Date(String(startsAt));
    if (Number.isNaN(instant.getTime())) throw GraphError.badInput("after is not a cursor from this list");
    whereAfter(query, SORT, [instant, String(key)]);
  }
  SORT.forEach((column) => query.addOrderBy(column, "ASC"));
  const rows = await query.limit(args.first + 1).getMany();
  const cursorOf = (row: EventEntity) => encodeCursor(EVENT_LIST, [row.startsAt.toISOString(), row.eventKey]);
  return toPage(
    rows,
    args.first,
    args.after,
    cursorOf,
    (row) => row,
    () => base().getCount(),
  );
}
