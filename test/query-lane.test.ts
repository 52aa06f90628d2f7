import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { Role } from "../src/auth/viewer";
import type { App } from "../src/app";
import { seedThreeMembers } from "./support/fixtures";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

type Caller = "admin" | "member" | "anonymous" | "forged";

interface Ask {
  name: string;
  /** Who the lane must leave it to (express and Apollo), or answer itself. */
  lane: "answered" | "handed_over";
  caller?: Caller;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** A JSON value (sent as JSON), or the exact bytes. */
  body?: unknown;
}

const PAGE = `query Page($first: Int!, $after: String) {
  members(first: $first, after: $after) {
    totalCount
    edges { cursor node { key displayName email phones { number type } communities { role community { name } } securityGroups { group { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const TRUSTED_ORIGIN = "https://app.example.org";
const page = (first: unknown = 2) => ({ query: PAGE, variables: { first } });

const ASKS: Ask[] = [
  { name: "a nested page for an admin", lane: "answered", caller: "admin", body: page() },
  { name: "the page for a member (contact fields hidden)", lane: "answered", caller: "member", body: page(3) },
  { name: "the next page by cursor", lane: "answered", caller: "admin", body: { query: PAGE, variables: { first: 1, after: null } } },
  {
    name: "no variables at all",
    lane: "answered",
    caller: "admin",
    body: { query: "{ members(first: 1) { totalCount } }", variables: null },
  },
  { name: "introspection", lane: "answered", caller: "admin", body: { query: '{ __type(name: "Phone") { name fields { name } } }' } },
  {
    name: "one of two named operations",
    lane: "answered",
    caller: "admin",
    body: { query: "query A { __typename } query B { members(first: 1) { totalCount } }", operationName: "B" },
  },
  {
    name: "Accept: graphql-response+json",
    lane: "answered",
    caller: "admin",
    headers: { accept: "application/graphql-response+json" },
    body: page(),
  },
  {
    name: "Accept: a client's usual list",
    lane: "answered",
    caller: "admin",
    headers: { accept: "application/graphql-response+json,application/json;q=0.9" },
    body: page(),
  },
  { name: "a trusted origin (credentials allowed)", lane: "answered", caller: "admin", headers: { origin: TRUSTED_ORIGIN }, body: page() },
  { name: "any other origin", lane: "answered", caller: "admin", headers: { origin: "https://elsewhere.example" }, body: page() },
  {
    name: "a body with a byte order mark",
    lane: "answered",
    caller: "admin",
    body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(page()))]),
  },
  { name: "a body that is a JSON string", lane: "answered", caller: "admin", body: Buffer.from('"members"') },
  { name: "a body that is not JSON", lane: "answered", caller: "admin", body: Buffer.from("{ query: ") },
  { name: "an anonymous caller (UNAUTHENTICATED)", lane: "handed_over", caller: "anonymous", body: page() },
  {
    name: "a partly refused query (FORBIDDEN)",
    lane: "handed_over",
    caller: "member",
    body: { query: '{ members(first: 1) { totalCount } importRun(id: "x") { id } }' },
  },
  { name: "a bad variable (BAD_USER_INPUT, 400)", lane: "handed_over", caller: "admin", body: page("many") },
  { name: "argument validation", lane: "handed_over", caller: "admin", body: page(100_000) },
  { name: "a cursor that is not one", lane: "handed_over", caller: "admin", body: { query: PAGE, variables: { first: 1, after: "nope" } } },
  { name: "a validation error", lane: "handed_over", caller: "admin", body: { query: "{ members(first: 1) { nope } }" } },
  { name: "a parse error", lane: "handed_over", caller: "admin", body: { query: "{ members(first: 1) {" } },
  {
    name: "a depth limit",
    lane: "handed_over",
    caller: "member",
    body: { query: "{ members(first: 1) { edges { node { communities { community { children { children { name } } } } } } } }" },
  },
  {
    name: "two operations and no name",
    lane: "handed_over",
    caller: "admin",
    body: { query: "query A { __typename } query B { __typename }" },
  },
  {
    name: "an unknown operation name",
    lane: "handed_over",
    caller: "admin",
    body: { query: "query A { __typename }", operationName: "Z" },
  },
  {
    name: "a mutation",
    lane: "handed_over",
    caller: "admin",
    body: { query: 'mutation { refreshCommunity(communityKey: "nope") { id } }' },
  },
  {
    name: "a persisted query",
    lane: "handed_over",
    caller: "admin",
    body: { extensions: { persistedQuery: { version: 1, sha256Hash: "ab".repeat(32) } } },
  },
  { name: "a batch", lane: "handed_over", caller: "admin", body: [page(), page()] },
  { name: "variables as a string", lane: "handed_over", caller: "admin", body: { query: PAGE, variables: '{"first":1}' } },
  { name: "an empty query", lane: "handed_over", caller: "admin", body: { query: "" } },
  { name: "Accept: only HTML (406)", lane: "handed_over", caller: "admin", headers: { accept: "text/html" }, body: page() },
  {
    name: "Accept: the callback spec",
    lane: "handed_over",
    caller: "admin",
    headers: { accept: "application/json; callbackSpec=1.0" },
    body: page(),
  },
  { name: "a forged bearer token (401)", lane: "handed_over", caller: "forged", body: page() },
  { name: "a session cookie without the CSRF header (403)", lane: "handed_over", headers: { cookie: "amsgate_session=abc" }, body: page() },
  {
    name: "a text/plain body (CSRF prevention)",
    lane: "handed_over",
    caller: "admin",
    headers: { "content-type": "text/plain" },
    body: page(),
  },
  {
    name: "a latin-1 charset",
    lane: "handed_over",
    caller: "admin",
    headers: { "content-type": "application/json; charset=latin1" },
    body: page(),
  },
  {
    name: "a gzipped body",
    lane: "handed_over",
    caller: "admin",
    headers: { "content-encoding": "gzip" },
    body: gzipSync(JSON.stringify(page())),
  },
  { name: "a query string on the path", lane: "handed_over", caller: "admin", path: "/graphql?x=1", body: page() },
  {
    name: "a body over the size limit (413)",
    lane: "handed_over",
    caller: "admin",
    body: { query: `{ __typename }${" ".repeat(1024 * 1024)}` },
  },
  { name: "an empty body", lane: "handed_over", caller: "admin", body: Buffer.alloc(0) },
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The raw exchange: exactly these headers and bytes, as a client might send them. */
function exchange(baseUrl: string, ask: Ask, authorization: string | undefined): Promise<Answer> {
  const bytes = Buffer.isBuffer(ask.body) ? ask.body : Buffer.from(JSON.stringify(ask.body));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-length": String(bytes.length),
    "x-request-id": "lane-test-0001",
    ...(authorization ? { authorization } : {}),
    ...ask.headers,
  };
  return new Promise((resolve, reject) => {
    const sent = request(`${baseUrl}${ask.path ?? "/graphql"}`, { method: ask.method ?? "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const { date: _date, connection: _connection, "keep-alive": _keepAlive, ...rest } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers: rest, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    sent.on("error", reject);
    sent.end(bytes);
  });
}

async function counted(app: App, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await app.metrics.registry.getSingleMetric(name)?.get();
  const match = metric?.values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted));
  return (match ?? []).reduce((sum, value) => sum + value.value, 0);
}

const operations = (app: App) => app.metrics.registry.getSingleMetric("amsgate_graphql_operations_total")!.get();

/**
 * The query lane answers exactly as express and Apollo Server do: the same app twice on one
 * database, with the lane (the default) and without it (GRAPHQL_QUERY_LANE=false), sent the same
 * bytes, must give the same status, headers and body, and record the same operation metrics;
 * and each request must have taken the way it is listed under (answered on the lane, or handed
 * over), so that the comparison covers both.
 */
describe("the query lane answers exactly as express and Apollo do", () => {
  let laned: TestApp;
  let plain: TestApp;
  const tokens = new Map<TestApp, Record<Caller, string | undefined>>();
  const env = { SSO_RETURN_URL_ALLOWLIST: `${TRUSTED_ORIGIN}/` };

  before(async () => {
    laned = await startTestApp({ env });
    const dataSource = laned.app.database.dataSource;
    await seedThreeMembers(dataSource);
    plain = await startTestApp({ keepData: true, env: { ...env, GRAPHQL_QUERY_LANE: "false" } });
    for (const harness of [laned, plain]) {
      tokens.set(harness, {
        admin: `Bearer ${ADMIN_KEY}`,
        member: `Bearer ${(await harness.app.sessions.issue("B2", [Role.AUTHENTICATED, Role.MEMBER])).accessToken}`,
        anonymous: undefined,
        forged: "Bearer not-a-real-credential-at-all",
      });
    }
  });

  after(async () => {
    await plain?.stop();
    await laned?.stop();
  });

  const ask = (harness: TestApp, one: Ask) => exchange(harness.baseUrl, one, one.caller ? tokens.get(harness)![one.caller] : undefined);

  for (const one of ASKS) {
    it(`${one.name}: ${one.lane.replace("_", " ")}`, async () => {
      const before = {
        lane: await counted(laned.app, "amsgate_graphql_query_lane_total", { outcome: one.lane }),
        ops: await operations(laned.app),
      };
      const opsBefore = await operations(plain.app);
      const mine = await ask(laned, one);
      const theirs = await ask(plain, one);
      assert.deepEqual(mine, theirs);
      assert.equal(
        await counted(laned.app, "amsgate_graphql_query_lane_total", { outcome: one.lane }),
        before.lane + 1,
        `${one.lane} once`,
      );
      const delta = (now: Awaited<ReturnType<typeof operations>>, then: typeof now) =>
        now.values
          .map((value) => ({
            labels: value.labels,
            value: value.value - (then.values.find((old) => JSON.stringify(old.labels) === JSON.stringify(value.labels))?.value ?? 0),
          }))
          .filter((value) => value.value !== 0);
      assert.deepEqual(
        delta(await operations(laned.app), before.ops),
        delta(await operations(plain.app), opsBefore),
        "the same operation recorded",
      );
      if (one.lane === "answered" && mine.status === 200) assert.ok(JSON.parse(mine.body).data, "an answer with data");
    });
  }

  it("hands over a query whose resolver fails, and Apollo masks it the same way", async () => {
    const dataSource = laned.app.database.dataSource;
    await dataSource.query("RENAME TABLE member_phones TO member_phones_gone");
    try {
      const one: Ask = { name: "internal", lane: "handed_over", caller: "admin", body: page() };
      const handed = await counted(laned.app, "amsgate_graphql_query_lane_total", { outcome: "handed_over" });
      const mine = await ask(laned, one);
      assert.deepEqual(mine, await ask(plain, one));
      assert.equal(await counted(laned.app, "amsgate_graphql_query_lane_total", { outcome: "handed_over" }), handed + 1);
      const errors = JSON.parse(mine.body).errors as Array<{ message: string; extensions: { code: string } }>;
      assert.ok(errors.length > 0);
      for (const error of errors)
        assert.deepEqual([error.message, error.extensions.code], ["Internal server error", "INTERNAL_SERVER_ERROR"]);
    } finally {
      await dataSource.query("RENAME TABLE member_phones_gone TO member_phones");
    }
  });

  it("hands a query that had an error straight over after that, but for one run in 32 on the lane", async () => {
    // Runs SQL (the count) before the refused field fails: a run on the lane shows in the statements.
    const one: Ask = {
      name: "erring",
      lane: "handed_over",
      caller: "member",
      body: { query: '{ members(first: 1) { totalCount } syncRun(id: "x") { id } }' },
    };
    const statements = async (harness: TestApp) => (await harness.queries.measure(() => ask(harness, one))).statements.length;
    const onApollo = await statements(plain);
    assert.ok(onApollo > 0);
    const runs: number[] = [];
    for (let request = 1; request <= 34; request += 1) runs.push(await statements(laned));
    // The credential is read once either way (the lane hands Apollo the viewer it found).
    const alsoOnLane = runs.flatMap((count, index) => (count > onApollo ? [index + 1] : []));
    assert.deepEqual(alsoOnLane, [1, 33], `statements per request: ${runs.join(" ")}`);
    assert.ok(
      runs.every((count, index) => count === onApollo || alsoOnLane.includes(index + 1)),
      runs.join(" "),
    );
  });

  it("gives each request its own id when the caller sends none", async () => {
    const one: Ask = { name: "no id", lane: "answered", caller: "admin", headers: { "x-request-id": "" }, body: page() };
    const first = await ask(laned, one);
    const second = await ask(laned, one);
    assert.equal(first.status, 200);
    assert.match(String(first.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    assert.notEqual(first.headers["x-request-id"], second.headers["x-request-id"]);
  });
});
