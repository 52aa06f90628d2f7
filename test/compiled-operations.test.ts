import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Role } from "../src/auth/viewer";
import { askOver } from "./support/graphql-client";
import { seedThreeMembers } from "./support/fixtures";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

type Caller = "admin" | "staff" | "member" | "signedIn" | "lms" | "anonymous";

/** Every kind of caller: each role set gets its own compiled entry, decided for it. */
const CALLERS: Caller[] = ["admin", "staff", "member", "signedIn", "lms", "anonymous"];
const LMS_KEY = "test-lms-key-0123456789abcdefgh";

interface Case {
  name: string;
  caller: Caller;
  query: string;
  variables?: Record<string, unknown>;
  /** Every code the answer must carry (the comparison alone would pass two equally wrong answers), per transport where they differ. */
  codes: string[] | Record<"http" | "ws", string[]>;
}

const PAGE = `query Page($first: Int!, $after: String) {
  members(first: $first, after: $after) {
    totalCount
    edges { cursor node { key displayName email phones { number type } communities { role isActive community { name } } securityGroups { group { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const CASES: Case[] = [
  { name: "a nested page", caller: "admin", query: PAGE, variables: { first: 2 }, codes: [] },
  { name: "a member's view (contact fields null)", caller: "member", query: PAGE, variables: { first: 3 }, codes: [] },
  { name: "argument validation", caller: "admin", query: PAGE, variables: { first: 100_000 }, codes: ["BAD_USER_INPUT"] },
  { name: "a variable of the wrong type", caller: "admin", query: PAGE, variables: { first: "many" }, codes: ["BAD_USER_INPUT"] },
  { name: "a missing variable", caller: "admin", query: PAGE, variables: {}, codes: ["BAD_USER_INPUT"] },
  {
    name: "a cursor that is not one",
    caller: "admin",
    query: PAGE,
    variables: { first: 2, after: "not-a-cursor" },
    codes: ["BAD_USER_INPUT"],
  },
  { name: "an anonymous caller", caller: "anonymous", query: PAGE, variables: { first: 2 }, codes: ["UNAUTHENTICATED"] },
  { name: "a member asking for an admin query", caller: "member", query: "{ syncStatus { deadLetterCount } }", codes: ["FORBIDDEN"] },
  {
    name: "a partly refused operation",
    caller: "member",
    query: '{ members(first: 1) { totalCount } importRun(id: "x") { id } }',
    codes: ["FORBIDDEN"],
  },
  {
    name: "a mutation on an unknown community",
    caller: "admin",
    query: 'mutation { refreshCommunity(communityKey: "nope") { id } }',
    codes: ["NOT_FOUND"],
  },
  {
    name: "a depth limit",
    caller: "member",
    query: "{ members(first: 1) { edges { node { communities { community { children { children { name } } } } } } } }",
    codes: ["GRAPHQL_VALIDATION_FAILED"],
  },
  {
    name: "two operations and no name",
    caller: "admin",
    query: "query A { __typename } query B { __typename }",
    // Apollo's own code over HTTP; graphql-ws reports graphql-js's error, which the formatter calls bad input.
    codes: { http: ["OPERATION_RESOLUTION_FAILURE"], ws: ["BAD_USER_INPUT"] },
  },
  { name: "introspection", caller: "admin", query: '{ __type(name: "Phone") { name fields { name } } }', codes: [] },
  {
    name: "a staff caller asking for an admin mutation",
    caller: "staff",
    query: 'mutation { refreshMembers(keys: ["A1"]) { id } }',
    codes: ["FORBIDDEN"],
  },
  { name: "an LMS key reading the directory", caller: "lms", query: PAGE, variables: { first: 2 }, codes: ["FORBIDDEN"] },
  {
    name: "a session without member status reading the directory",
    caller: "signedIn",
    query: PAGE,
    variables: { first: 2 },
    codes: ["FORBIDDEN"],
  },
  {
    name: "an anonymous caller asking for a signed-in query",
    caller: "anonymous",
    query: '{ recordedCompletions(memberKey: "A1") { idempotencyKey } }',
    codes: ["UNAUTHENTICATED"],
  },
  {
    name: "refused and permitted fields, nested under aliases",
    caller: "member",
    query: `{ a: member(key: "A1") { key email phones { number } } b: syncRun(id: "x") { id } c: member(key: "B2") { key email communities { role } }
      d: writebackQueue { pendingCount } e: securityGroup(key: "G1") { name } }`,
    codes: ["FORBIDDEN"],
  },
  {
    name: "the same refusals for an anonymous caller",
    caller: "anonymous",
    query: '{ a: member(key: "A1") { key } b: syncRun(id: "x") { id } c: event(key: "nope") { key } }',
    codes: ["UNAUTHENTICATED"],
  },
  { name: "an unknown field", caller: "member", query: "{ members(first: 1) { nope } }", codes: ["GRAPHQL_VALIDATION_FAILED"] },
  { name: "a document that is not GraphQL", caller: "member", query: "{ members(first: 1) {", codes: ["GRAPHQL_PARSE_FAILED"] },
];

/** The member page and a refused admin query, for every caller: data where permitted, errors where not. */
for (const caller of CALLERS) {
  CASES.push({
    name: `the page as ${caller}`,
    caller,
    query: PAGE,
    variables: { first: 3 },
    codes: caller === "anonymous" ? ["UNAUTHENTICATED"] : caller === "lms" || caller === "signedIn" ? ["FORBIDDEN"] : [],
  });
  CASES.push({
    name: `an admin query as ${caller}`,
    caller,
    query: "{ syncStatus { deadLetterCount } writebackQueue { pendingCount } }",
    codes: caller === "anonymous" ? ["UNAUTHENTICATED"] : caller === "admin" ? [] : ["FORBIDDEN"],
  });
}

/**
 * Compiled operations answer exactly as graphql-js does: the same app twice on one database,
 * one compiling (the default) and one with GRAPHQL_COMPILE=false, asked the same operations by
 * the same kinds of caller over HTTP and graphql-ws, must give the same status, data and errors
 * for every error code the API produces.
 */
describe("compiled operations answer and fail exactly as graphql-js", () => {
  let compiled: TestApp;
  let interpreted: TestApp;
  const tokens = new Map<TestApp, Record<Caller, string | undefined>>();

  before(async () => {
    compiled = await startTestApp({ env: { LMS_API_KEYS: LMS_KEY } });
    const dataSource = compiled.app.database.dataSource;
    await seedThreeMembers(dataSource);
    interpreted = await startTestApp({ keepData: true, env: { GRAPHQL_COMPILE: "false", LMS_API_KEYS: LMS_KEY } });
    for (const harness of [compiled, interpreted]) {
      const issue = async (key: string, roles: Role[]) => (await harness.app.sessions.issue(key, roles)).accessToken;
      tokens.set(harness, {
        admin: ADMIN_KEY,
        staff: await issue("C3", [Role.AUTHENTICATED, Role.STAFF]),
        member: await issue("B2", [Role.AUTHENTICATED, Role.MEMBER]),
        signedIn: await issue("A1", [Role.AUTHENTICATED]),
        lms: LMS_KEY,
        anonymous: undefined,
      });
    }
  });

  after(async () => {
    await interpreted?.stop();
    await compiled?.stop();
  });

  const ask = (harness: TestApp, transport: "http" | "ws", one: Case) =>
    askOver(transport, harness.url, one.query, one.variables ?? {}, tokens.get(harness)![one.caller]);

  for (const transport of ["http", "ws"] as const) {
    for (const one of CASES) {
      it(`${one.name} over ${transport}`, async () => {
        const mine = await ask(compiled, transport, one);
        const theirs = await ask(interpreted, transport, one);
        assert.deepEqual(mine, theirs);
        const codes = (mine.errors ?? []).map((error) => error.extensions?.code);
        const expected = Array.isArray(one.codes) ? one.codes : one.codes[transport];
        assert.deepEqual([...new Set(codes)], expected, JSON.stringify(mine.errors));
        if (expected.length === 0) assert.ok(mine.data, "an answer with data");
      });
    }

    it(`a masked internal error over ${transport}`, async () => {
      // The phones table gone from under both apps: the statement fails inside a resolver.
      const dataSource = compiled.app.database.dataSource;
      await dataSource.query("RENAME TABLE member_phones TO member_phones_gone");
      try {
        const one: Case = { name: "internal", caller: "admin", query: PAGE, variables: { first: 2 }, codes: ["INTERNAL_SERVER_ERROR"] };
        const mine = await ask(compiled, transport, one);
        const theirs = await ask(interpreted, transport, one);
        assert.deepEqual(mine, theirs);
        assert.ok(mine.errors?.length);
        for (const error of mine.errors!) {
          assert.equal(error.extensions?.code, "INTERNAL_SERVER_ERROR");
          assert.equal(error.message, "Internal server error");
        }
      } finally {
        await dataSource.query("RENAME TABLE member_phones_gone TO member_phones");
      }
    });
  }
});
