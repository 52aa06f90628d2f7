import type { RestSourceConfig } from "../../config/source.config";
import type { Logger } from "../../observability/logger";
import type { ActivityWriteBack, AmsSource, ChangedEventsPage, Credentials, FetchedMembers, MemberChange } from "../ams-source";
import { collectFetchedMembers } from "../fetched-members";
import { readEventsPage } from "../member-info/ams-event.mapper";
import { parseOrThrow } from "../member-info/contract-violation";
import { SourceError, SourceErrorCode } from "../source.error";
import { RestClient, type RestClientDeps } from "./rest.client";
import { changedEventsPageSchema, changedMembersPageSchema, memberKeyAnswerSchema, membersAnswerSchema } from "./rest-envelopes.schema";

/** Contract §1: `/members` takes up to 100 keys. */
const MAX_KEYS_PER_CALL = 100;

export type RestSourceDeps = RestClientDeps & { logger: Logger };

/**
 * An AMS (or an adapter in front of one) speaking the amsgate JSON source protocol, contract §1.
 * Paged listings follow `next`; batch fetches validate each record on its own.
 */
export class RestSource implements AmsSource {
  readonly name = "rest";
  readonly maxBatchSize = MAX_KEYS_PER_CALL;
  private readonly client: RestClient;

  constructor(config: RestSourceConfig, deps: RestSourceDeps) {
    this.client = new RestClient(config, deps);
  }

  async *changedMembers(since: Date | null): AsyncIterable<MemberChange[]> {
    const parse = (body: unknown) => parseOrThrow(changedMembersPageSchema, body, "GET /changed-members answer");
    for await (const page of this.listing("/changed-members", since, parse)) {
      if (page.changes.length > 0) yield page.changes.map((c) => ({ memberKey: c.MemberKey, lastUpdated: c.LastUpdated }));
    }
  }

  /** Up to 100 keys a call; more are fetched in several calls, one after another. */
  async fetchMembers(keys: readonly string[]): Promise<FetchedMembers> {
    const result: FetchedMembers = { members: [], missing: [], invalid: [] };
    // `keys=` is comma-separated, so a key holding a comma cannot be asked for.
    const unique = [...new Set(keys)].filter((key) => {
      if (!key.includes(",")) return true;
      const message = `member key "${key}" contains a comma, which GET /members?keys= cannot carry`;
      result.invalid.push({ memberKey: key, error: new SourceError(SourceErrorCode.CONTRACT_VIOLATION, message, { memberKey: key }) });
      return false;
    });
    for (let start = 0; start < unique.length; start += MAX_KEYS_PER_CALL) {
      const batch = unique.slice(start, start + MAX_KEYS_PER_CALL);
      const answer = await this.client.get("/members", { keys: batch.join(",") });
      const body = parseOrThrow(membersAnswerSchema, answer.body, "GET /members answer");
      const part = collectFetchedMembers(batch, body.items, body.missing);
      result.members.push(...part.members);
      result.missing.push(...part.missing);
      result.invalid.push(...part.invalid);
    }
    return result;
  }

  async *changedEvents(since: Date | null): AsyncIterable<ChangedEventsPage> {
    const parse = (body: unknown) => parseOrThrow(changedEventsPageSchema, body, "GET /changed-events answer");
    for await (const page of this.listing("/changed-events", since, parse)) {
      if (page.items.length > 0) yield readEventsPage(page.items);
    }
  }

  async authenticate(credentials: Credentials): Promise<string> {
    return this.memberKeyFrom("/authenticate", { username: credentials.username, password: credentials.password });
  }

  async resolveSsoToken(token: string): Promise<string> {
    return this.memberKeyFrom("/sso/resolve", { token });
  }

  async writeBack(activity: ActivityWriteBack): Promise<void> {
    await this.client.post("/activities", {
      MemberKey: activity.memberKey,
      ActivityKey: activity.activityKey,
      Title: activity.title,
      CompletedAt: activity.completedAt.toISOString(),
      Credits: activity.credits,
      ...(activity.creditType ? { CreditType: activity.creditType } : {}),
      IdempotencyKey: activity.idempotencyKey,
    });
  }

  /** Follows `next` until it is null; a cursor seen before would loop forever, so it is a contract violation. */
  private async *listing<T extends { next: string | null }>(
    path: string,
    since: Date | null,
    parse: (body: unknown) => T,
  ): AsyncGenerator<T> {
    const followed = new Set<string>();
    let cursor: string | null = null;
    do {
      const answer = await this.client.get(path, { since: since?.toISOString(), cursor });
      const page = parse(answer.body);
      yield page;
      if (page.next !== null && followed.has(page.next)) {
        throw new SourceError(SourceErrorCode.CONTRACT_VIOLATION, `GET ${path}: expected a new cursor in "next", got one already followed`);
      }
      cursor = page.next;
      if (cursor !== null) followed.add(cursor);
    } while (cursor !== null);
  }

  private async memberKeyFrom(path: string, body: Record<string, string>): Promise<string> {
    const answer = await this.client.post(path, body);
    return parseOrThrow(memberKeyAnswerSchema, answer.body, `POST ${path} answer`).MemberKey;
  }
}
