import type { ActivityWriteBack, MemberChange } from "../ams-source";

/** An event body on the wire, with its key for paging (the body itself may be malformed on purpose). */
export interface DatasetEvent {
  eventKey: string;
  body: unknown;
}

/**
 * What {@link AmsHttpServer} serves: any association's data in wire form. The demo association
 * and the in-memory test AMS both implement it. Listings are lazy and in a stable key order, and
 * resume after a key, so the server can page by an opaque cursor without holding a listing.
 */
export interface AmsDataset {
  /** Members changed at or after `since` (everyone when null), in key order, after `afterKey`. */
  changedMembers(since: Date | null, afterKey: string | null): Iterable<MemberChange>;
  /** The MemberInfo wire object for a key (any JSON value), or undefined: gone from the AMS. */
  memberInfo(memberKey: string): unknown;
  /** Events changed at or after `since`, in key order, after `afterKey`. */
  changedEvents(since: Date | null, afterKey: string | null): Iterable<DatasetEvent>;
  /** The member key for a username and password, or undefined when refused. */
  authenticate?(username: string, password: string): string | undefined;
  /** The member key for an SSO token, or undefined when refused. */
  resolveSsoToken?(token: string): string | undefined;
  /** Called once per idempotency key. */
  recordActivity?(activity: ActivityWriteBack): void;
  /** Every activity recorded, once per idempotency key, in the order recorded. */
  activities?(): ActivityWriteBack[];
}
