import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gqlData } from "./support/graphql-client";
import { seedCommunities, seedGroups, seedMembers, type MemberSeed } from "./support/fixtures";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";
import { Role } from "../src/auth/viewer";

const NESTED = `query Page($first: Int!, $filter: MemberFilter) {
  members(first: $first, filter: $filter) {
    edges { node {
      phones { number }
      communities { role community { name } }
      securityGroups { group { name } }
    } }
  }
}`;

function seeds(count: number): MemberSeed[] {
  return Array.from({ length: count }, (_, index) => ({
    memberKey: `M${String(index).padStart(4, "0")}`,
    firstName: `First${index}`,
    lastName: `Last${String(index).padStart(4, "0")}`,
    phones: [
      { number: `+1 555 01${index}`, type: "WORK" },
      { number: `+1 555 02${index}`, type: "MOBILE" },
    ],
    communities: [
      { communityKey: `C${index % 7}`, role: "Member" },
      { communityKey: `C${(index + 3) % 7}`, role: "Chair" },
    ],
    groups: [{ groupKey: `G${index % 3}` }],
  }));
}

describe("nested fields are batched per request", () => {
  let harness: TestApp;
  /** A member's session: the directory and roster rules are in force. */
  let memberToken: string;

  before(async () => {
    // The nested pages under test are deeper than a member's default depth limit (6).
    harness = await startTestApp({ env: { QUERY_MAX_DEPTH: "10" } });
    const dataSource = harness.app.database.dataSource;
    await seedCommunities(
      dataSource,
      Array.from({ length: 7 }, (_, index) => ({ communityKey: `C${index}`, name: `Community ${index}` })),
    );
    await seedGroups(
      dataSource,
      [0, 1, 2].map((index) => ({ groupKey: `G${index}`, name: `Group ${index}` })),
    );
    await seedMembers(dataSource, seeds(220));
    memberToken = (await harness.app.sessions.issue("M0000", [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
  });

  after(() => harness.stop());

  async function statementsFor(first: number, token = ADMIN_KEY, filter: Record<string, unknown> | null = null) {
    const { result, statements } = await harness.queries.measure(() =>
      gqlData<{ members: { edges: Array<{ node: { phones: unknown[] | null; communities: Array<{ community: { name: string } }> } }> } }>(
        harness.url,
        NESTED,
        { first, filter },
        token,
      ),
    );
    return { edges: result.members.edges, statements };
  }

  it("issues the same number of statements at 1, 20 and 200 members, and at most 6", async () => {
    const counts: number[] = [];
    for (const first of [1, 20, 200]) {
      const { edges, statements } = await statementsFor(first);
      assert.equal(edges.length, first);
      // Every nested list really came back, so the count is of a query that did the work.
      assert.ok(edges.every((edge) => edge.node.phones?.length === 2 && edge.node.communities.length === 2));
      assert.ok(edges.every((edge) => edge.node.communities.every((membership) => membership.community.name.startsWith("Community"))));
      counts.push(statements.length);
    }
    assert.deepEqual(new Set(counts).size, 1, `statements per page size: ${counts.join(", ")}`);
    assert.ok(counts[0]! <= 6, `expected at most 6 statements, saw ${counts[0]}`);
  });

  it("reads a page's phones only for the members whose contact fields the viewer may see", async () => {
    const phonesRead = (statements: string[]) => {
      const read = statements.filter((statement) => statement.includes("member_phones"));
      assert.ok(read.length <= 1, read.join("\n"));
      return read.length === 0 ? 0 : (read[0]!.match(/\?/g) ?? []).length;
    };
    // An admin sees everyone's phones: one statement for the page's 20 members.
    assert.equal(phonesRead((await statementsFor(20)).statements), 20);
    // A member sees only their own (M0000 is on the page): the contact rule decides before the
    // loader is asked, so the read asks for no one else's phones.
    const { edges, statements } = await statementsFor(20, memberToken);
    assert.equal(phonesRead(statements), 1);
    assert.deepEqual(
      edges.map((edge) => edge.node.phones?.length ?? null),
      [2, ...Array.from({ length: 19 }, () => null)],
    );
  });

  it("batches community rosters across communities in one statement", async () => {
    const query = `{ communities(first: 7) { edges { node { key members(first: 3) { totalCount edges { node { role member { lastName } } } } } } } }`;
    const { result, statements } = await harness.queries.measure(() =>
      gqlData<{
        communities: {
          edges: Array<{ node: { members: { totalCount: number; edges: Array<{ node: { member: { lastName: string } } }> } } }>;
        };
      }>(harness.url, query, {}, ADMIN_KEY),
    );
    assert.equal(result.communities.edges.length, 7);
    for (const edge of result.communities.edges) {
      assert.equal(edge.node.members.edges.length, 3);
      assert.ok(edge.node.members.totalCount > 3);
      // The members came with their roster rows, in roster order (by last name).
      const names = edge.node.members.edges.map((entry) => entry.node.member.lastName);
      assert.ok(
        names.every((name) => typeof name === "string" && name !== ""),
        names.join(", "),
      );
      assert.deepEqual(names, [...names].sort());
    }
    // communities page, one windowed roster statement (the members' columns read with it), one grouped count.
    assert.equal(statements.length, 3, statements.join("\n"));
    assert.ok(!statements.some((statement) => /FROM `members` a WHERE/.test(statement)), statements.join("\n"));
  });

  it("keeps the cost constant for a member: the directory rules are in the SQL", async () => {
    const counts: number[] = [];
    for (const first of [1, 20, 200]) {
      // Phones are contact fields (null for others), so only the member-visible parts are checked.
      const { edges, statements } = await statementsFor(first, memberToken, { search: "last" });
      assert.equal(edges.length, first);
      // Member i is on C(i % 7) and C((i + 3) % 7); M0000 sees the terms in its own C0 and C3.
      const visible = edges.map(
        (_, index) => [index % 7, (index + 3) % 7].filter((community) => community === 0 || community === 3).length,
      );
      assert.deepEqual(
        edges.map((edge) => edge.node.communities.length),
        visible,
      );
      counts.push(statements.length);
    }
    assert.deepEqual(new Set(counts).size, 1, `statements per page size: ${counts.join(", ")}`);
    // Six for the page, and one that checks the session was not signed out.
    assert.ok(counts[0]! <= 7, `expected at most 7 statements, saw ${counts[0]}`);

    const query = `{ communities(first: 7) { edges { node { key members(first: 3) { totalCount edges { node { role member { lastName } } } } } } } }`;
    const { result, statements } = await harness.queries.measure(() =>
      gqlData<{ communities: { edges: Array<{ node: { key: string; members: { totalCount: number; edges: unknown[] } } }> } }>(
        harness.url,
        query,
        {},
        memberToken,
      ),
    );
    // M0000 is on C0 and C3: those rosters are open to it, the other five are not.
    for (const edge of result.communities.edges) {
      const own = edge.node.key === "C0" || edge.node.key === "C3";
      assert.equal(edge.node.members.edges.length, own ? 3 : 0, edge.node.key);
      assert.ok(own ? edge.node.members.totalCount > 3 : edge.node.members.totalCount === 0, edge.node.key);
    }
    // The same three as for an admin key, and the session's one sign-out (revocation) check.
    assert.equal(statements.length, 4, statements.join("\n"));
    assert.equal(statements.filter((statement) => statement.includes("sso_used_tokens")).length, 1, statements.join("\n"));
  });
});
