import type { ChangedEventsPage } from "../ams-source";
import type { EventRecord } from "../member-record";
import { SourceError, SourceErrorCode } from "../source.error";
import { parseOrThrow } from "./contract-violation";
import { amsEventSchema } from "./member-info.schema";
import type { AmsEvent } from "./member-info.types";

/** The event key of a body, read leniently before validation so an error can name it. */
export function peekEventKey(raw: unknown): string | null {
  const key = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).EventKey : undefined;
  if (typeof key === "number" && Number.isFinite(key)) return String(key);
  return typeof key === "string" && key.trim() !== "" ? key.trim() : null;
}

/** Reads one §1 Event body; throws `SourceError(CONTRACT_VIOLATION)` naming each bad field. */
export function fromAmsEvent(raw: unknown): EventRecord {
  const eventKey = peekEventKey(raw);
  const event = parseOrThrow(amsEventSchema, raw, eventKey === null ? "Event" : `Event "${eventKey}"`);
  return {
    eventKey: event.EventKey,
    title: event.Title,
    description: event.Description,
    startsAt: event.StartsAt,
    endsAt: event.EndsAt,
    timeZone: event.TimeZone,
    location: event.Location,
    url: event.Url,
    productCode: event.ProductCode,
    category: event.Category,
    isMembersOnly: event.IsMembersOnly,
    isDeleted: event.IsDeleted,
    sourceUpdatedAt: event.LastUpdated,
  };
}

/** The §1 Event body of a record, for serving it. */
export function toAmsEvent(record: EventRecord): AmsEvent {
  return {
    EventKey: record.eventKey,
    Title: record.title,
    Description: record.description,
    StartsAt: record.startsAt.toISOString(),
    EndsAt: record.endsAt?.toISOString() ?? null,
    TimeZone: record.timeZone,
    Location: record.location,
    Url: record.url,
    ProductCode: record.productCode,
    Category: record.category,
    IsMembersOnly: record.isMembersOnly,
    IsDeleted: record.isDeleted,
    LastUpdated: record.sourceUpdatedAt?.toISOString() ?? null,
  };
}

/** Reads one page of event bodies: a bad body fails only itself. */
export function readEventsPage(bodies: readonly unknown[]): ChangedEventsPage {
  const page: ChangedEventsPage = { events: [], invalid: [], newestUpdate: null };
  let newestMs = Number.NEGATIVE_INFINITY;
  for (const body of bodies) {
    try {
      const event = fromAmsEvent(body);
      page.events.push(event);
      const updatedMs = event.sourceUpdatedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
      if (updatedMs > newestMs) newestMs = updatedMs;
    } catch (error) {
      const wrapped =
        error instanceof SourceError
          ? error
          : new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "an event could not be read", { cause: error });
      page.invalid.push({ eventKey: peekEventKey(body), error: wrapped });
    }
  }
  if (Number.isFinite(newestMs)) page.newestUpdate = new Date(newestMs).toISOString();
  return page;
}
