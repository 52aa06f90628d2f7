import type { ActivityWriteBack, AmsSource, ChangedEventsPage, Credentials, FetchedMembers, MemberChange } from "../ams-source";
import { collectFetchedMembers } from "../fetched-members";
import { readEventsPage } from "../member-info/ams-event.mapper";
import { SourceError, SourceErrorCode } from "../source.error";
import type { DemoAssociation } from "./demo-association";
import { DemoAmsDataset } from "./demo-dataset";

export interface DemoSourceOptions {
  /** Changes per page of `changedMembers`; default 1,000. */
  pageSize?: number;
  /** Events per page of `changedEvents`; default 200. */
  eventPageSize?: number;
  /** Stops background work (the change simulator) on `close()`. */
  onClose?: () => void | Promise<void>;
}

/**
 * The built-in simulated association, in process. Records pass through the same wire form and
 * validation as the REST source's (`toMemberInfo` → `fromMemberInfo`), so for the same seed both
 * return identical records.
 */
export class DemoSource implements AmsSource {
  readonly name = "demo";
  readonly maxBatchSize = 100;
  private readonly dataset: DemoAmsDataset;
  private readonly pageSize: number;
  private readonly eventPageSize: number;

  constructor(
    readonly association: DemoAssociation,
    private readonly options: DemoSourceOptions = {},
  ) {
    this.dataset = new DemoAmsDataset(association);
    this.pageSize = options.pageSize ?? 1_000;
    this.eventPageSize = options.eventPageSize ?? 200;
  }

  /** Inclusive (`>= since`), in pages; a page is read lazily, so no full listing sits in memory. */
  async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    yield* pages(this.association.changes(since), this.pageSize);
  }

  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const items: unknown[] = [];
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const info = this.dataset.memberInfo(key);
      if (info === undefined) missing.push(key);
      else items.push(info);
    }
    return collectFetchedMembers(keys, items, missing);
  }

  async *changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    for await (const bodies of pages(this.dataset.changedEvents(since, null), this.eventPageSize)) {
      yield readEventsPage(bodies.map((event) => event.body));
    }
  }

  /** A member's e-mail (any case) and the shared demo password `demo-password`; see DemoAssociation. */
  async authenticate(credentials: Credentials): Promise<string> {
    const memberKey = this.association.authenticate(credentials.username, credentials.password);
    if (memberKey === undefined) throw new SourceError(SourceErrorCode.AUTH_REJECTED, "the demo AMS refused these credentials");
    return memberKey;
  }

  /** `demo-sso:<memberKey>` for an active member. */
  async resolveSsoToken(token: string): Promise<string> {
    const memberKey = this.association.resolveSsoToken(token);
    if (memberKey === undefined) throw new SourceError(SourceErrorCode.AUTH_REJECTED, "the demo AMS refused this sign-on token");
    return memberKey;
  }

  async writeBack(activity: ActivityWriteBack): Promise<void> {
    this.association.recordActivity(activity);
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }
}

/** Cuts a lazy listing into arrays of `size`, pulling only one page at a time. */
async function* pages<T>(items: Iterable<T>, size: number): AsyncGenerator<T[]> {
  let page: T[] = [];
  for (const item of items) {
    page.push(item);
    if (page.length === size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
