import type { EntityManager } from "typeorm";
import { findWhereIn, insertMany } from "../db/bulk-writes";
import { EventEntity } from "../db/entities";
import type { EventRecord } from "../sources/member-record";

const EVENT_COLUMNS: Array<keyof EventEntity & string> = [
  "title",
  "description",
  "startsAt",
  "endsAt",
  "timeZone",
  "location",
  "url",
  "productCode",
  "category",
  "isMembersOnly",
  "isDeleted",
  "sourceUpdatedAt",
  "lastRefreshedAt",
];

/**
 * Upserts whole event records inside the caller's transaction, in one multi-row statement: the
 * poll's pages and pushed events alike. An event is never deleted; `isDeleted` hides it.
 */
export async function writeEvents(manager: EntityManager, events: readonly EventRecord[], now: Date): Promise<void> {
  if (events.length === 0) return;
  const existing = new Map(
    (
      await findWhereIn(
        manager,
        EventEntity,
        "eventKey",
        events.map((event) => event.eventKey),
      )
    ).map((event) => [event.eventKey, event]),
  );
  await insertMany(
    manager,
    EventEntity,
    events.map((event) => ({ ...event, lastRefreshedAt: now, createdAt: existing.get(event.eventKey)?.createdAt ?? now })),
    { update: EVENT_COLUMNS, keys: ["eventKey"] },
  );
}
