import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import { getIntrospectionQuery } from "graphql";
import { Role } from "../src/auth/viewer";
import { seedCommunities, seedGroups, seedMembers } from "./support/fixtures";
import { askOver, wsAnswer, wsClient } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const codeOf = (answer: { errors?: Array<{ extensions?: { code?: string } }> }) => answer.errors?.[0]?.extensions?.code;
/** A valid document of exactly `count` tokens; members and admins may run it, anonymous callers reach UNAUTHENTICATED. */
const tokens = (count: number) => `{ members(filter: { statuses: [${"ACTIVE ".repeat(count - 16)}] }) { totalCount } }`;
/** Seven levels deep: members edges node communities community children name. */
const DEPTH_7 = "{ members { edges { node { communities { community { children { name } } } } } } }";
const aliased = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `a${index}: events(first: 1) { totalCount }`).join(" ")} }`;
/** A directory page of 100 with its lists: cost about 12,000 (armor's measure). */
const DIRECTORY_100 = `{ members(first: 100) { totalCount edges { node { key displayName email phones { number type }
  communities { role endDate community { name type } } securityGroups { group { name kind } } } } } }`;
const EXPORT_200 = `{ members(first: 200) { totalCount pageInfo { hasNextPage endCursor } edges { node {
  key memberId firstName lastName displayName email memberType status isMember memberSince membershipExpiresOn
  phones { number type }
  communities { role beginDate endDate isActive community { key name type subType } }
  securityGroups { role beginDate endDate isActive group { key name kind } } } } } }`;

describe("operation limits, per role, the same over HTTP and WebSocket", () => {
  let harness: TestApp;
  let memberToken: string;
  let adminToken: string;

  before(async () => {
    harness = await startTestApp();
    const dataSource = harness.app.database.dataSource;
    await seedCommunities(dataSource, [{ communityKey: "C1", name: "Finance Committee", type: "Committee" }]);
    await seedGroups(dataSource, [{ groupKey: "G1", name: "Board Portal" }]);
    await seedMembers(
      dataSource,
      Array.from({ length: 200 }, (_, index) => ({
        memberKey: `M${String(index).padStart(4, "0")}`,
        firstName: "Pat",
        lastName: `Member ${index}`,
        phones: [{ number: `555-${index}`, type: "WORK" }],
        communities: [{ communityKey: "C1", role: "Member" }],
        groups: [{ groupKey: "G1" }],
      })),
    );
    memberToken = (await harness.app.sessions.issue("M0000", [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
    adminToken = (await harness.app.sessions.issue("M0001", [Role.AUTHENTICATED, Role.MEMBER, Role.ADMIN])).accessToken;
  });
  after(() => harness.stop());

  for (const transport of ["http", "ws"] as const) {
    describe(`over ${transport}`, () => {
      const ask = (query: string, token?: string) => askOver(transport, harness.url, query, {}, token);

      it("anonymous and member callers: at most 1,000 tokens, refused while parsing", async () => {
        for (const token of [undefined, memberToken]) {
          const parsed = await ask(tokens(1_000), token);
          assert.equal(codeOf(parsed), token ? undefined : "UNAUTHENTICATED", JSON.stringify(parsed.errors));
          const refused = await ask(tokens(1_001), token);
          assert.equal(codeOf(refused), "GRAPHQL_PARSE_FAILED", JSON.stringify(refused.errors));
          assert.match(refused.errors![0]!.message, /Document contains more tha[nt] 1000 tokens\. Parsing aborted\./);
        }
      });

      it("anonymous and member callers: depth 6, 15 aliases, cost 10,000", async () => {
        for (const token of [undefined, memberToken]) {
          for (const [query, pattern] of [
            [DEPTH_7, /depth limit of 6 exceeded, found 7/],
            [aliased(16), /aliases limit of 15 exceeded, found 16/i],
            [DIRECTORY_100, /cost limit of 10000 exceeded/i],
          ] as const) {
            const refused = await ask(query, token);
            assert.equal(codeOf(refused), "GRAPHQL_VALIDATION_FAILED", `${query}: ${JSON.stringify(refused.errors)}`);
            assert.match(refused.errors![0]!.message, pattern);
          }
          assert.equal((await ask(aliased(15), token)).errors, undefined);
        }
      });

      it("anonymous callers may still introspect the whole schema (Sandbox) where introspection is on", async () => {
        const query = getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
        });
        const answer = await ask(query);
        assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
        assert.ok(answer.data!.__schema.types.some((type: { name: string }) => type.name === "Member"));
      });

      it("admin keys and admins' sessions get the higher limits", async () => {
        for (const token of [ADMIN_KEY, adminToken]) {
          for (const query of [tokens(5_000), DEPTH_7, aliased(30), DIRECTORY_100]) {
            const answer = await ask(query, token);
            assert.equal(answer.errors, undefined, `${query.slice(0, 80)}: ${JSON.stringify(answer.errors)}`);
          }
          assert.equal(codeOf(await ask(tokens(5_001), token)), "GRAPHQL_PARSE_FAILED");
          assert.equal(codeOf(await ask(aliased(31), token)), "GRAPHQL_VALIDATION_FAILED");
        }
        // What an admin's request got admitted is not remembered as valid for anyone else.
        assert.equal(codeOf(await ask(DIRECTORY_100, memberToken)), "GRAPHQL_VALIDATION_FAILED");
      });

      it("an admin exports 200 members with their community and security-group memberships in one query", async () => {
        const answer = await ask(EXPORT_200, ADMIN_KEY);
        assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
        const edges = answer.data!.members.edges as Array<{ node: { communities: unknown[]; securityGroups: unknown[] } }>;
        assert.equal(edges.length, 200);
        assert.ok(edges.every((edge) => edge.node.communities.length === 1 && edge.node.securityGroups.length > 0));
      });
    });
  }

  it("closes a WebSocket that sends a message over 1 MB with 1009, before reading it as GraphQL", async () => {
    // About a million tokens: parsing it used to block the event loop for seconds.
    const huge = tokens(1_000_000);
    assert.ok(huge.length > 6_000_000);
    const { client, closed } = wsClient(harness.url);
    const stderr = mock.method(console, "error", () => undefined);
    try {
      await assert.rejects(wsAnswer(client, huge));
      assert.equal((await closed()).code, 1009);
      assert.equal(stderr.mock.callCount(), 0, "a client's mistake is a log line, not a stack trace on stderr");
      // The server is none the worse: the next connection is answered.
      assert.equal((await askOver("ws", harness.url, "{ __typename }")).data?.__typename, "Query");
    } finally {
      stderr.mock.restore();
      await client.dispose();
    }
  });

  it("answers an HTTP body over 1 MB with a JSON 413", async () => {
    const response = await fetch(harness.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: tokens(300_000) }),
    });
    assert.equal(response.status, 413);
    assert.match(response.headers.get("content-type") ?? "", /application\/json/);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(body.errors[0]!.extensions.code, "PAYLOAD_TOO_LARGE");
  });
});
