import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { askOver } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const PRODUCTION = { NODE_ENV: "production", AMS_SOURCE: "demo", LOG_LEVEL: "silent" };

/** Mistakes whose graphql-js messages suggest names from the schema. */
const GUESSES: Array<{ query: string; variables?: Record<string, unknown>; code: string }> = [
  { query: "{ evnts { totalCount } }", code: "GRAPHQL_VALIDATION_FAILED" },
  { query: "{ events(frist: 1) { totalCount } }", code: "GRAPHQL_VALIDATION_FAILED" },
  { query: "{ members(filter: { statuses: [ACTIV] }) { totalCount } }", code: "GRAPHQL_VALIDATION_FAILED" },
  { query: "{ members(filter: { statuse: [ACTIVE] }) { totalCount } }", code: "GRAPHQL_VALIDATION_FAILED" },
  { query: "query ($s: [MemberStatu!]) { members(filter: { statuses: $s }) { totalCount } }", code: "GRAPHQL_VALIDATION_FAILED" },
  {
    query: "query ($s: [MemberStatus!]) { members(filter: { statuses: $s }) { totalCount } }",
    variables: { s: ["ACTIV"] },
    code: "BAD_USER_INPUT",
  },
  {
    query: "query ($f: MemberFilter) { members(filter: $f) { totalCount } }",
    variables: { f: { statuse: ["ACTIVE"] } },
    code: "BAD_USER_INPUT",
  },
];

const INTROSPECTION = ["{ __schema { types { name } } }", '{ __type(name: "Member") { fields { name } } }'];

describe("in production, no schema detail leaks on either transport", () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp({ env: PRODUCTION });
  });
  after(() => harness.stop());

  for (const transport of ["http", "ws"] as const) {
    describe(`over ${transport}`, () => {
      it("refuses introspection, to anonymous callers and admins alike", async () => {
        for (const token of [undefined, ADMIN_KEY]) {
          for (const query of INTROSPECTION) {
            const answer = await askOver(transport, harness.url, query, {}, token);
            assert.equal(answer.data, undefined, `${query}: ${JSON.stringify(answer.data)}`);
            assert.equal(answer.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
            assert.match(answer.errors![0]!.message, /introspection/i);
          }
        }
        assert.deepEqual((await askOver(transport, harness.url, "{ __typename }")).data, { __typename: "Query" });
      });

      it("strips every suggestion from error messages", async () => {
        const leaks: string[] = [];
        for (const guess of GUESSES) {
          const answer = await askOver(transport, harness.url, guess.query, guess.variables, ADMIN_KEY);
          assert.equal(answer.errors?.[0]?.extensions?.code, guess.code, `${guess.query}: ${JSON.stringify(answer.errors)}`);
          const messages = answer.errors!.map((error) => error.message).join(" | ");
          if (/did you mean|suggest|"(events|first|statuses)"/i.test(messages)) leaks.push(messages);
        }
        assert.deepEqual(leaks, []);
      });
    });
  }
});

describe("GRAPHQL_INTROSPECTION=true opens introspection in production", () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp({ env: { ...PRODUCTION, GRAPHQL_INTROSPECTION: "true" } });
  });
  after(() => harness.stop());

  for (const transport of ["http", "ws"] as const) {
    it(`over ${transport}`, async () => {
      const answer = await askOver<{ __type: { name: string } }>(transport, harness.url, '{ __type(name: "Member") { name } }');
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      assert.equal(answer.data?.__type.name, "Member");
    });
  }
});
