import type { ChangedEventsPage } from "../ams-source";
import { readEventsPage } from "../member-info/ams-event.mapper";
import { readPath, readRef, type SoqlRecord } from "./salesforce-fields";
import type { EventsMapping } from "./salesforce-mapping";

/** Fonteva writes zones as "(GMT-04:00) America/New_York"; the IANA name is what the cache keeps. */
const LABELLED_ZONE = /^\(GMT[+-]\d{2}:\d{2}\)\s+(\S+)$/;

function timeZone(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return LABELLED_ZONE.exec(value.trim())?.[1] ?? value;
}

/**
 * One page of event records as canonical events, each validated on its own by the shared
 * event mapper (contract §1 Event), so a bad record fails alone. An event deleted in Salesforce
 * (queryAll returns it with IsDeleted) or not visible (any `visibleWhen` flag false) reads as deleted.
 */
export function readSalesforceEvents(rows: readonly SoqlRecord[], mapping: EventsMapping): ChangedEventsPage {
  const f = mapping.fields;
  return readEventsPage(
    rows.map((row) => ({
      EventKey: row.Id,
      Title: readRef(row, f.title),
      Description: readRef(row, f.description),
      StartsAt: readRef(row, f.startsAt),
      EndsAt: readRef(row, f.endsAt),
      TimeZone: timeZone(readRef(row, f.timeZone)),
      Location: readRef(row, f.location),
      Url: readRef(row, f.url),
      ProductCode: readRef(row, f.productCode),
      Category: readRef(row, f.category),
      IsMembersOnly: readRef(row, f.isMembersOnly),
      IsDeleted: row.IsDeleted === true || mapping.visibleWhen.some((path) => readPath(row, path) === false),
      LastUpdated: row.SystemModstamp,
    })),
  );
}
