import { parseAmsInstant } from "../member-info/wire-dates";
import type { ActivityWriteBack } from "../ams-source";
import type { AmsDataset } from "./ams-dataset";

/** What a route answers: a status, a JSON body (or none) and any extra headers (e.g. Retry-After). */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Everything a route may use; the server builds one per request. */
export interface RouteContext {
  dataset: AmsDataset;
  query: URLSearchParams;
  /** The parsed JSON body of a POST. */
  body: unknown;
  pageSize: number;
  /** Breaks one MemberInfo on purpose, or returns it as it was. */
  maybeMalform(info: unknown): unknown;
  beforeMembers?: (keys: string[]) => Promise<void> | void;
  onChangedMembersPage?: (pageIndex: number) => Promise<void> | void;
  /** Idempotency keys already recorded by `POST /activities`. */
  seenActivities: Set<string>;
  /** `POST /activities` requests per idempotency key, duplicates included. */
  activityPosts: Map<string, number>;
  /** Test hook: runs after an activity is recorded, before the answer (e.g. to hang mid-send). */
  afterActivity?: (activity: ActivityWriteBack) => Promise<void> | void;
}

/** The most keys one `/members` call takes (contract §1). */
export const MAX_KEYS_PER_CALL = 100;

const badRequest = (message: string): Reply => ({ status: 400, body: { error: "bad_request", message } });

/** The opaque paging cursor: where the listing stands, and the `since` it was started with. */
interface Cursor {
  since: string | null;
  afterKey: string;
  page: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor>;
    const sinceOk = value.since === null || typeof value.since === "string";
    return sinceOk && typeof value.afterKey === "string" && typeof value.page === "number" ? (value as Cursor) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `since` and `cursor`; a cursor carries the `since` the listing began with. */
function listingPosition(
  query: URLSearchParams,
): { since: Date | null; sinceText: string | null; afterKey: string | null; page: number } | Reply {
  const cursorText = query.get("cursor");
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  if (cursorText && cursor === undefined) return badRequest("cursor is not one this server issued");
  const sinceText = cursor ? cursor.since : query.get("since");
  const since = sinceText ? parseAmsInstant(sinceText) : null;
  if (sinceText && since === null) return badRequest(`since must be an ISO-8601 instant, got "${sinceText}"`);
  return { since, sinceText: sinceText ?? null, afterKey: cursor?.afterKey ?? null, page: cursor?.page ?? 0 };
}

/** Takes up to `size` items and says whether more follow, without walking the rest. */
function takePage<T>(items: Iterable<T>, size: number): { page: T[]; more: boolean } {
  const page: T[] = [];
  const iterator = items[Symbol.iterator]();
  try {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      if (page.length === size) return { page, more: true };
      page.push(next.value);
    }
    return { page, more: false };
  } finally {
    iterator.return?.();
  }
}

export async function changedMembersRoute(ctx: RouteContext): Promise<Reply> {
  const position = listingPosition(ctx.query);
  if ("status" in position) return position;
  await ctx.onChangedMembersPage?.(position.page);
  const { page, more } = takePage(ctx.dataset.changedMembers(position.since, position.afterKey), ctx.pageSize);
  const last = page.at(-1);
  const next = more && last ? encodeCursor({ since: position.sinceText, afterKey: last.memberKey, page: position.page + 1 }) : null;
  return { status: 200, body: { changes: page.map((c) => ({ MemberKey: c.memberKey, LastUpdated: c.lastUpdated })), next } };
}

export async function changedEventsRoute(ctx: RouteContext): Promise<Reply> {
  const position = listingPosition(ctx.query);
  if ("status" in position) return position;
  const { page, more } = takePage(ctx.dataset.changedEvents(position.since, position.afterKey), ctx.pageSize);
  const last = page.at(-1);
  const next = more && last ? encodeCursor({ since: position.sinceText, afterKey: last.eventKey, page: position.page + 1 }) : null;
  return { status: 200, body: { items: page.map((event) => event.body), next } };
}

export async function membersRoute(ctx: RouteContext): Promise<Reply> {
  const keys = [
    ...new Set(
      (ctx.query.get("keys") ?? "")
        .split(",")
        .map((key) => key.trim())
        .filter(Boolean),
    ),
  ];
  if (keys.length === 0) return badRequest("keys is required: a comma-separated list of member keys");
  if (keys.length > MAX_KEYS_PER_CALL) return badRequest(`at most ${MAX_KEYS_PER_CALL} keys per call, got ${keys.length}`);
  await ctx.beforeMembers?.(keys);
  const items: unknown[] = [];
  const missing: string[] = [];
  for (const key of keys) {
    const info = ctx.dataset.memberInfo(key);
    if (info === undefined) missing.push(key);
    else items.push(ctx.maybeMalform(info));
  }
  return { status: 200, body: { items, missing } };
}

function stringField(body: unknown, name: string): string | undefined {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

export async function authenticateRoute(ctx: RouteContext): Promise<Reply> {
  const username = stringField(ctx.body, "username");
  const password = stringField(ctx.body, "password");
  if (username === undefined || password === undefined) return badRequest("username and password are required");
  if (!ctx.dataset.authenticate) return { status: 404, body: { error: "not_supported" } };
  const memberKey = ctx.dataset.authenticate(username, password);
  return memberKey === undefined
    ? { status: 401, body: { error: "invalid_credentials" } }
    : { status: 200, body: { MemberKey: memberKey } };
}

export async function resolveSsoRoute(ctx: RouteContext): Promise<Reply> {
  const token = stringField(ctx.body, "token");
  if (token === undefined) return badRequest("token is required");
  if (!ctx.dataset.resolveSsoToken) return { status: 404, body: { error: "not_supported" } };
  const memberKey = ctx.dataset.resolveSsoToken(token);
  return memberKey === undefined ? { status: 401, body: { error: "invalid_token" } } : { status: 200, body: { MemberKey: memberKey } };
}

export async function activitiesRoute(ctx: RouteContext): Promise<Reply> {
  const body = (typeof ctx.body === "object" && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
  const [memberKey, activityKey, title, completedAtText, idempotencyKey] = [
    "MemberKey",
    "ActivityKey",
    "Title",
    "CompletedAt",
    "IdempotencyKey",
  ].map((name) => stringField(body, name));
  const completedAt = completedAtText === undefined ? null : parseAmsInstant(completedAtText);
  const credits = body.Credits ?? null;
  const creditType = body.CreditType ?? null;
  if (
    !memberKey ||
    !activityKey ||
    !title ||
    !idempotencyKey ||
    completedAt === null ||
    (credits !== null && typeof credits !== "number") ||
    (creditType !== null && typeof creditType !== "string")
  ) {
    return badRequest(
      "MemberKey, ActivityKey, Title, CompletedAt (ISO-8601) and IdempotencyKey are required; Credits is a number or null; CreditType a string or null",
    );
  }
  ctx.activityPosts.set(idempotencyKey, (ctx.activityPosts.get(idempotencyKey) ?? 0) + 1);
  const activity = {
    memberKey,
    activityKey,
    title,
    completedAt,
    credits: credits as number | null,
    creditType: creditType as string | null,
    idempotencyKey,
  };
  // One activity per key, however often it is sent: a gateway that crashed mid-send sends it again.
  if (!ctx.seenActivities.has(idempotencyKey)) {
    ctx.seenActivities.add(idempotencyKey);
    ctx.dataset.recordActivity?.(activity);
  }
  await ctx.afterActivity?.(activity);
  return { status: 201, body: { IdempotencyKey: idempotencyKey } };
}

/** `GET /activities?memberKey=`: what was written back, once per idempotency key (demo and tests read it back). */
export async function listActivitiesRoute(ctx: RouteContext): Promise<Reply> {
  if (!ctx.dataset.activities) return { status: 404, body: { error: "not_supported" } };
  const memberKey = ctx.query.get("memberKey");
  const items = ctx.dataset
    .activities()
    .filter((activity) => memberKey === null || activity.memberKey === memberKey)
    .map((activity) => ({
      MemberKey: activity.memberKey,
      ActivityKey: activity.activityKey,
      Title: activity.title,
      CompletedAt: activity.completedAt.toISOString(),
      Credits: activity.credits,
      CreditType: activity.creditType ?? null,
      IdempotencyKey: activity.idempotencyKey,
    }));
  return { status: 200, body: { items } };
}

/** The ways `malformedRate` breaks a record; each one the validator catches. */
export const MALFORMATIONS: ReadonlyArray<(details: Record<string, unknown>, info: Record<string, unknown>) => void> = [
  (details) => {
    details.IsActive = "sometimes";
  },
  (details) => {
    details.MemberSince = "2026-02-30";
  },
  (_details, info) => {
    info.CommunityGroups = "not a list";
  },
  (details) => {
    details.FirstName = 404;
  },
  (details) => {
    details.EmailAddress = `${"x".repeat(320)}@example.org`;
  },
];
