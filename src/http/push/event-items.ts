import { peekEventKey } from "../../sources/member-info/ams-event.mapper";
import { fromPushedEvent } from "../../sources/member-info/loose-member-info";
import type { EventRecord } from "../../sources/member-record";
import type { SyncService } from "../../sync/sync.service";
import type { ItemError } from "./push-answer";
import { type ItemsHandler, itemsAnswer, messageOf } from "./push-endpoint";

/** `POST /push/v1/events`: whole Event records (contract §1), upserted by key in one PUSH run. */
export function eventItems(sync: SyncService): ItemsHandler {
  return async (items) => {
    const errors: ItemError[] = [];
    const events: EventRecord[] = [];
    const indexOf = new Map<string, number>();
    items.forEach((item, index) => {
      try {
        const event = fromPushedEvent(item);
        events.push(event);
        indexOf.set(event.eventKey, index);
      } catch (error) {
        errors.push({ index, eventKey: peekEventKey(item), message: messageOf(error) });
      }
    });
    let count = 0;
    if (events.length > 0) {
      const { results } = await sync.acceptPushedEvents(events, `${indexOf.size} pushed events`);
      for (const result of results) {
        if (result.error !== undefined)
          errors.push({ index: indexOf.get(result.eventKey) ?? -1, eventKey: result.eventKey, message: messageOf(result.error) });
        else count += 1;
      }
    }
    return itemsAnswer(items.length, count, errors);
  };
}
