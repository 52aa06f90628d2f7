import type { ActivityWriteBack, MemberChange } from "../ams-source";
import { toAmsEvent } from "../member-info/ams-event.mapper";
import { toMemberInfo } from "../member-info/member-info.mapper";
import type { MemberInfo } from "../member-info/member-info.types";
import type { AmsDataset, DatasetEvent } from "./ams-dataset";
import type { DemoAssociation } from "./demo-association";

/** The demo association in wire form, for the HTTP server and for `DemoSource`. */
export class DemoAmsDataset implements AmsDataset {
  constructor(readonly association: DemoAssociation) {}

  changedMembers(since: Date | null, afterKey: string | null): Iterable<MemberChange> {
    return this.association.changes(since, afterKey);
  }

  memberInfo(memberKey: string): MemberInfo | undefined {
    const record = this.association.member(memberKey);
    return record === undefined ? undefined : toMemberInfo(record);
  }

  *changedEvents(since: Date | null, afterKey: string | null): Iterable<DatasetEvent> {
    for (const event of this.association.events(since, afterKey)) yield { eventKey: event.eventKey, body: toAmsEvent(event) };
  }

  authenticate(username: string, password: string): string | undefined {
    return this.association.authenticate(username, password);
  }

  resolveSsoToken(token: string): string | undefined {
    return this.association.resolveSsoToken(token);
  }

  recordActivity(activity: ActivityWriteBack): void {
    this.association.recordActivity(activity);
  }

  activities(): ActivityWriteBack[] {
    return this.association.recordedActivities();
  }
}
