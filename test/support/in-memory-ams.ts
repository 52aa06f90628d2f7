import type { RestSourceConfig } from "../../src/config/source.config";
import type { ActivityWriteBack, MemberChange } from "../../src/sources/ams-source";
import type { AmsDataset, DatasetEvent } from "../../src/sources/demo/ams-dataset";
import { AmsHttpServer, type AmsHttpServerOptions } from "../../src/sources/demo/ams-http.server";

type Instant = Date | string;

const toDate = (instant: Instant) => new Date(instant);
const inWindow = (lastUpdated: Date, since: Date | null) => since === null || lastUpdated >= since;

/**
 * A tiny AMS for tests. Members and events are stored as raw wire objects, so a test can plant
 * anything, including a poison record. A removed member stays in the change listing (at its
 * removal time) and `/members` reports it missing, as the demo AMS does.
 */
export class InMemoryAms implements AmsDataset {
  private readonly members = new Map<string, { info: unknown; lastUpdated: Date }>();
  private readonly events = new Map<string, { body: unknown; lastUpdated: Date }>();
  private readonly logins = new Map<string, { password: string; memberKey: string }>();
  private readonly ssoTokens = new Map<string, string>();
  /** Activities written back, once per idempotency key (the server de-duplicates). */
  readonly recorded: ActivityWriteBack[] = [];

  /** Forgets every member and event (logins and SSO tokens stay). */
  clear(): this {
    this.members.clear();
    this.events.clear();
    return this;
  }

  /** Sets or replaces a member's MemberInfo (any value) and the LastUpdated its change is listed with. */
  setMember(memberKey: string, info: unknown, lastUpdated: Instant): this {
    this.members.set(memberKey, { info, lastUpdated: toDate(lastUpdated) });
    return this;
  }

  /** Removes the member from the AMS at `at`. */
  removeMember(memberKey: string, at: Instant): this {
    this.members.set(memberKey, { info: undefined, lastUpdated: toDate(at) });
    return this;
  }

  /** Sets or replaces an event body (any value) under `eventKey`. */
  setEvent(eventKey: string, body: unknown, lastUpdated: Instant): this {
    this.events.set(eventKey, { body, lastUpdated: toDate(lastUpdated) });
    return this;
  }

  /** Lets `username` (any case) sign in with `password` as `memberKey`. */
  addLogin(username: string, password: string, memberKey: string): this {
    this.logins.set(username.toLowerCase(), { password, memberKey });
    return this;
  }

  addSsoToken(token: string, memberKey: string): this {
    this.ssoTokens.set(token, memberKey);
    return this;
  }

  *changedMembers(since: Date | null, afterKey: string | null): Iterable<MemberChange> {
    for (const key of this.sortedKeys(this.members, afterKey)) {
      const { lastUpdated } = this.members.get(key)!;
      if (inWindow(lastUpdated, since)) yield { memberKey: key, lastUpdated: lastUpdated.toISOString() };
    }
  }

  memberInfo(memberKey: string): unknown {
    return this.members.get(memberKey)?.info;
  }

  *changedEvents(since: Date | null, afterKey: string | null): Iterable<DatasetEvent> {
    for (const key of this.sortedKeys(this.events, afterKey)) {
      const { body, lastUpdated } = this.events.get(key)!;
      if (inWindow(lastUpdated, since)) yield { eventKey: key, body };
    }
  }

  authenticate(username: string, password: string): string | undefined {
    const login = this.logins.get(username.toLowerCase());
    return login?.password === password ? login.memberKey : undefined;
  }

  resolveSsoToken(token: string): string | undefined {
    return this.ssoTokens.get(token);
  }

  recordActivity(activity: ActivityWriteBack): void {
    this.recorded.push(activity);
  }

  activities(): ActivityWriteBack[] {
    return [...this.recorded];
  }

  private sortedKeys(map: Map<string, unknown>, afterKey: string | null): string[] {
    return [...map.keys()].sort().filter((key) => afterKey === null || key > afterKey);
  }
}

/** A valid MemberInfo with just a key and a name; `details` adds or overrides MemberDetails fields. */
export function memberInfo(
  memberKey: string,
  details: Record<string, unknown> = {},
  parts: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    MemberDetails: { LegacyContactKey: memberKey, FirstName: "Test", LastName: memberKey, IsActive: true, ...details },
    CommunityGroups: [],
    SecurityGroups: [],
    Demographics: [],
    ...parts,
  };
}

export interface FakeAms {
  url: string;
  apiKey: string;
  server: AmsHttpServer;
  close(): Promise<void>;
}

/** Serves `dataset` on 127.0.0.1, port 0. Close it when done. */
export async function startFakeAms(dataset: AmsDataset, options: Partial<AmsHttpServerOptions> = {}): Promise<FakeAms> {
  const apiKey = options.apiKey ?? "test-ams-api-key";
  const server = new AmsHttpServer(dataset, { ...options, apiKey });
  const url = await server.listen(0);
  return { url, apiKey, server, close: () => server.close() };
}

/** A `RestSourceConfig` for a fake AMS: short timeout, retries that never wait. */
export function restSourceConfig(fake: Pick<FakeAms, "url" | "apiKey">, overrides: Partial<RestSourceConfig> = {}): RestSourceConfig {
  return { url: fake.url, apiKey: fake.apiKey, timeoutMs: 2_000, retries: 3, retryBaseMs: 0, ...overrides };
}
