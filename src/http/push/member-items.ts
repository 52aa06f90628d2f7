import { fromPushedMemberInfo } from "../../sources/member-info/loose-member-info";
import { peekMemberKey } from "../../sources/member-info/member-info.mapper";
import type { MemberRecord } from "../../sources/member-record";
import type { SyncService } from "../../sync/sync.service";
import type { ItemError } from "./push-answer";
import { type ItemsHandler, itemsAnswer, messageOf } from "./push-endpoint";

/** `POST /push/v1/members`: reads every MemberInfo item, writes the good ones in one PUSH run. */
export function memberItems(sync: SyncService): ItemsHandler {
  return async (items) => {
    const errors: ItemError[] = [];
    const records: MemberRecord[] = [];
    const indexOf = new Map<string, number>();
    items.forEach((item, index) => {
      try {
        const record = fromPushedMemberInfo(item);
        records.push(record);
        // A key pushed twice is written once, as its last item.
        indexOf.set(record.memberKey, index);
      } catch (error) {
        errors.push({ index, memberKey: peekMemberKey(item), message: messageOf(error) });
      }
    });
    let count = 0;
    if (records.length > 0) {
      const { results } = await sync.acceptPushedMembers(records, { detail: `${indexOf.size} pushed members` });
      for (const result of results) {
        if ("error" in result)
          errors.push({ index: indexOf.get(result.memberKey) ?? -1, memberKey: result.memberKey, message: messageOf(result.error) });
        else count += 1;
      }
    }
    return itemsAnswer(items.length, count, errors);
  };
}
