import { z } from "zod";
import type { ChangedEventsPage } from "../ams-source";
import { parseOrThrow } from "../member-info/contract-violation";
import { longText, optionalInstant, optionalText, requiredInstant, requiredKey, requiredText } from "../member-info/wire-values";
import type { EventRecord } from "../member-record";
import { SourceError, SourceErrorCode } from "../source.error";
import { imisTyped, typedValue } from "./imis-envelope";

const text = (maxChars?: number) => imisTyped(optionalText(maxChars));
/** A named reference (`{ Name }`) or bare text. */
const named = (maxChars: number) =>
  z.preprocess((value) => (typeof value === "object" && value !== null ? (value as { Name?: unknown }).Name : value), text(maxChars));

/** EventData as `GET /api/Event` returns it (fields beyond EventId and Name: see README, "iMIS"). */
const eventSchema = z.object({
  EventId: imisTyped(requiredKey()),
  Name: imisTyped(requiredText(300)),
  Description: imisTyped(longText()),
  StartDateTime: imisTyped(requiredInstant()),
  EndDateTime: imisTyped(optionalInstant()),
  TimeZone: text(64),
  Category: named(100),
  Status: named(50),
  Address: z.object({ FullAddress: text(300), CityName: text(100) }).nullish(),
  UpdateInformation: z.object({ UpdatedOn: imisTyped(optionalInstant()) }).nullish(),
});

/** Event statuses taken to mean the event is off. */
const CANCELLED_STATUSES = new Set(["x", "canceled", "cancelled", "deleted"]);

/** The event id of a raw EventData, read leniently so an error can name it. */
export function peekEventId(raw: unknown): string | null {
  const id = typeof raw === "object" && raw !== null ? typedValue((raw as Record<string, unknown>).EventId) : undefined;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return typeof id === "string" && id.trim() !== "" ? id.trim() : null;
}

/** Reads one EventData; throws `SourceError(CONTRACT_VIOLATION)` naming each bad field. */
export function fromImisEvent(raw: unknown): EventRecord {
  const eventId = peekEventId(raw);
  const event = parseOrThrow(eventSchema, raw, eventId === null ? "Event" : `Event "${eventId}"`);
  return {
    eventKey: event.EventId,
    title: event.Name,
    description: event.Description,
    startsAt: event.StartDateTime,
    endsAt: event.EndDateTime,
    timeZone: event.TimeZone,
    location: event.Address?.FullAddress ?? event.Address?.CityName ?? null,
    url: null,
    productCode: null,
    category: event.Category,
    isMembersOnly: false,
    isDeleted: CANCELLED_STATUSES.has((event.Status ?? "").toLowerCase()),
    sourceUpdatedAt: event.UpdateInformation?.UpdatedOn ?? null,
  };
}

/** One page of EventData: a bad one fails only itself. */
export function readImisEventsPage(items: readonly unknown[]): ChangedEventsPage {
  const page: ChangedEventsPage = { events: [], invalid: [], newestUpdate: null };
  let newestMs = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    try {
      const event = fromImisEvent(item);
      page.events.push(event);
      newestMs = Math.max(newestMs, event.sourceUpdatedAt?.getTime() ?? Number.NEGATIVE_INFINITY);
    } catch (error) {
      const wrapped =
        error instanceof SourceError
          ? error
          : new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "an event could not be read", { cause: error });
      page.invalid.push({ eventKey: peekEventId(item), error: wrapped });
    }
  }
  if (Number.isFinite(newestMs)) page.newestUpdate = new Date(newestMs).toISOString();
  return page;
}
