import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { askOver, type GraphQLResponse } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

/** Every error answer, on either transport, has this shape and nothing more telling. */
function assertErrorShape(errors: GraphQLResponse["errors"], code: string): void {
  assert.ok(Array.isArray(errors) && errors.length > 0, `expected errors, got ${JSON.stringify(errors)}`);
  for (const error of errors) {
    assert.equal(typeof error.message, "string");
    assert.equal(error.extensions?.code, code, JSON.stringify(errors));
    assert.doesNotMatch(JSON.stringify(error), /stacktrace|\n\s+at /i);
  }
}

/** A raw HTTP answer: status, content type and the parsed JSON body (or the text when not JSON). */
async function raw(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, type, text, json: type.includes("json") ? JSON.parse(text) : undefined };
}

describe("client mistakes are 4xx with one JSON error shape, the same over HTTP and WebSocket", () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp();
  });
  after(() => harness.stop());

  for (const transport of ["http", "ws"] as const) {
    describe(`over ${transport}`, () => {
      it("a syntax error is GRAPHQL_PARSE_FAILED (HTTP 400)", async () => {
        const answer = await askOver(transport, harness.url, "{ events { totalCount }", {}, ADMIN_KEY);
        assertErrorShape(answer.errors, "GRAPHQL_PARSE_FAILED");
        assert.match(answer.errors![0]!.message, /Syntax Error/);
        if (transport === "http") assert.equal(answer.status, 400);
      });

      it("a document over the token limit is GRAPHQL_PARSE_FAILED (HTTP 400)", async () => {
        const query = `{ ${"__typename ".repeat(50_000)} }`;
        const answer = await askOver(transport, harness.url, query, {}, ADMIN_KEY);
        assertErrorShape(answer.errors, "GRAPHQL_PARSE_FAILED");
        assert.match(answer.errors![0]!.message, /Document contains more tha[nt] \d+ tokens\. Parsing aborted\./);
        if (transport === "http") assert.equal(answer.status, 400);
      });

      it("a validation error is GRAPHQL_VALIDATION_FAILED (HTTP 400), every one of them reported", async () => {
        const answer = await askOver(transport, harness.url, "{ events { nope alsoNope } }", {}, ADMIN_KEY);
        assertErrorShape(answer.errors, "GRAPHQL_VALIDATION_FAILED");
        assert.equal(answer.errors!.length, 2);
        if (transport === "http") assert.equal(answer.status, 400);
      });

      it("a limit rule is GRAPHQL_VALIDATION_FAILED (HTTP 400)", async () => {
        const aliases = `{ ${Array.from({ length: 40 }, (_, index) => `a${index}: events { totalCount }`).join(" ")} }`;
        const answer = await askOver(transport, harness.url, aliases, {}, ADMIN_KEY);
        assertErrorShape(answer.errors, "GRAPHQL_VALIDATION_FAILED");
        assert.match(answer.errors![0]!.message, /aliases limit of \d+ exceeded, found 40/i);
        assert.doesNotMatch(answer.errors![0]!.message, /Syntax Error/, "a limit is not a syntax error");
        if (transport === "http") assert.equal(answer.status, 400);
      });

      it("a bad variable is BAD_USER_INPUT (HTTP 400)", async () => {
        const query = "query ($first: Int!) { events(first: $first) { totalCount } }";
        const answer = await askOver(transport, harness.url, query, { first: "many" }, ADMIN_KEY);
        assertErrorShape(answer.errors, "BAD_USER_INPUT");
        if (transport === "http") assert.equal(answer.status, 400);
      });
    });
  }

  it("malformed JSON is a JSON 400, never Express's HTML page or a stack trace", async () => {
    const answer = await raw(harness.url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query": "{ events' });
    assert.equal(answer.status, 400);
    assert.match(answer.type, /application\/json/);
    assertErrorShape(answer.json.errors, "BAD_REQUEST");
    assert.deepEqual(Object.keys(answer.json), ["errors"]);
  });

  it("an unknown route answers a JSON 404", async () => {
    for (const init of [{ method: "GET" }, { method: "POST", body: "x" }]) {
      const answer = await raw(`${harness.baseUrl}/nowhere`, init);
      assert.equal(answer.status, 404);
      assert.match(answer.type, /application\/json/);
      assertErrorShape(answer.json.errors, "NOT_FOUND");
    }
  });

  it("a bad credential stays a JSON 401 UNAUTHENTICATED", async () => {
    const answer = await raw(harness.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer forged" },
      body: JSON.stringify({ query: "{ events { totalCount } }" }),
    });
    assert.equal(answer.status, 401);
    assertErrorShape(answer.json.errors, "UNAUTHENTICATED");
  });
});
