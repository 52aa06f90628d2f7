import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { memberColumnsFor, PHONE_FIELD_COLUMNS } from "../src/graph/member/member.mapper";
import { MEMBER_PAGE_COLUMNS } from "../src/graph/member/member.queries";
import { columnsFor, selectedFieldNames } from "../src/graph/pagination/selection";
import { gqlData } from "./support/graphql-client";
import { seedCommunities, seedGroups, seedMembers } from "./support/fixtures";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

/** The resolver's view of `members` in `document`: its field nodes and the document's fragments. */
function infoOf(document: string) {
  const parsed = parse(document);
  const operation = parsed.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === "OperationDefinition",
  )!;
  const fragments = Object.fromEntries(
    parsed.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === "FragmentDefinition")
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const fieldNodes = operation.selectionSet.selections.filter((selection) => selection.kind === "Field");
  return { fieldNodes: fieldNodes as never, fragments };
}

describe("member lists read only the columns the operation selects", () => {
  it("finds the fields under edges.node through aliases, fragments and inline fragments", () => {
    const info = infoOf(`query {
      members(first: 2) { edges { node { k: key ...Names ... on Member { email } } } pageInfo { endCursor } }
    }
    fragment Names on Member { firstName lastName ...Names2 }
    fragment Names2 on Member { displayName }`);
    assert.deepEqual([...selectedFieldNames(info, ["edges", "node"])].sort(), ["displayName", "email", "firstName", "key", "lastName"]);
  });

  it("reads every column when a field it does not know is selected", () => {
    assert.equal(memberColumnsFor(["key", "someNewField"], MEMBER_PAGE_COLUMNS), undefined);
    assert.deepEqual([...memberColumnsFor(["key", "phones"], MEMBER_PAGE_COLUMNS)!].sort(), ["firstName", "lastName", "memberKey"]);
  });

  describe("over HTTP", () => {
    let harness: TestApp;
    before(async () => {
      harness = await startTestApp();
      await seedCommunities(harness.app.database.dataSource, [{ communityKey: "C1", name: "Chapter", type: "Chapter" }]);
      await seedGroups(harness.app.database.dataSource, [{ groupKey: "G1", name: "Board" }]);
      await seedMembers(harness.app.database.dataSource, [
        {
          memberKey: "A1",
          firstName: "Ada",
          lastName: "Lovelace",
          email: "ada@example.org",
          communities: [{ communityKey: "C1", role: "Chair" }],
          phones: [{ number: "+1 555 0101", type: "WORK" }],
          groups: [{ groupKey: "G1", role: "Treasurer" }],
        },
        {
          memberKey: "B2",
          firstName: "Bob",
          lastName: "Brown",
          email: "bob@example.org",
          communities: [{ communityKey: "C1", role: "Member", beginDate: "2020-01-01" }],
        },
      ]);
    });
    after(() => harness.stop());

    const pageStatement = (statements: string[]) => statements.find((sql) => /FROM\s+[`"]?members[`"]?\s/i.test(sql))!;

    it("selects the key, sort and requested columns only, and answers the same as a full read", async () => {
      const narrow = `{ members(first: 5) { edges { node { key displayName email } } } }`;
      const { result, statements } = await harness.queries.measure(() =>
        gqlData<{ members: { edges: Array<{ node: Record<string, unknown> }> } }>(harness.url, narrow, {}, ADMIN_KEY),
      );
      const sql = pageStatement(statements);
      assert.match(sql, /email/);
      assert.doesNotMatch(sql, /address_line1|bio|content_hash/, sql);
      assert.deepEqual(
        result.members.edges.map((edge) => edge.node),
        [
          { key: "B2", displayName: "Bob Brown", email: "bob@example.org" },
          { key: "A1", displayName: "Ada Lovelace", email: "ada@example.org" },
        ],
      );
    });

    it("never hands a narrow page's partial rows to other fields that yield a member", async () => {
      type Answer = { members: { edges: Array<{ node: { key: string; communities: Array<{ member: Record<string, unknown> }> } }> } };
      const { result, statements } = await harness.queries.measure(() =>
        gqlData<Answer>(
          harness.url,
          `{ members(first: 5) { edges { node { key communities { member { key email displayName memberSince } } } } } }`,
          {},
          ADMIN_KEY,
        ),
      );
      assert.doesNotMatch(pageStatement(statements), /content_hash/);
      const ada = result.members.edges.find((edge) => edge.node.key === "A1")!;
      assert.deepEqual(ada.node.communities, [
        { member: { key: "A1", email: "ada@example.org", displayName: "Ada Lovelace", memberSince: null } },
      ]);
    });

    /** The select lists of the statements reading `table`. */
    const statementFrom = (statements: string[], table: string) =>
      statements
        .filter((sql) => new RegExp(`FROM\\s+[\`"]?${table}[\`"]?\\s`, "i").test(sql))
        .map((sql) => sql.slice(0, sql.search(/\sFROM\s/i)));

    it("reads each child list once per page, with only the columns selected and those its rules need", async () => {
      const page = `{ members(first: 5) { edges { node { key phones { number } communities { role community { name } } securityGroups { group { name } } } } } }`;
      type Answer = { members: { edges: Array<{ node: Record<string, unknown> }> } };
      const { result, statements } = await harness.queries.measure(() => gqlData<Answer>(harness.url, page, {}, ADMIN_KEY));
      assert.equal(statements.length, 4, statements.join("\n"));
      const [phones] = statementFrom(statements, "member_phones");
      const [communities] = statementFrom(statements, "community_memberships");
      const [groups] = statementFrom(statements, "security_group_memberships");
      assert.ok(phones && communities && groups, statements.join("\n"));
      assert.doesNotMatch(phones, /\btype\b|position/, phones);
      // The term's dates and the community's type stay: the roster rule and activeOn judge by them.
      assert.match(communities, /begin_date/);
      assert.match(communities, /p\.`?type`?/);
      assert.doesNotMatch(communities, /since_date|granted_by|last_refreshed_at|parent_key/, communities);
      assert.doesNotMatch(groups, /is_admin|ams_type|last_refreshed_at|begin_date/, groups);
      assert.deepEqual(
        result.members.edges.map((edge) => edge.node),
        [
          { key: "B2", phones: [], communities: [{ role: "Member", community: { name: "Chapter" } }], securityGroups: [] },
          {
            key: "A1",
            phones: [{ number: "+1 555 0101" }],
            communities: [{ role: "Chair", community: { name: "Chapter" } }],
            securityGroups: [{ group: { name: "Board" } }],
          },
        ],
      );
    });

    it("never hands a partial community to another field that reads communities", async () => {
      // The list reads only the community's name; community(key) then needs its whole row.
      const document = `{ members(first: 5) { edges { node { communities { community { name } } } } }
        community(key: "C1") { key name type lastRefreshedAt } }`;
      type Answer = { community: Record<string, unknown> };
      const answer = await gqlData<Answer>(harness.url, document, {}, ADMIN_KEY);
      assert.equal(answer.community.type, "Chapter");
      assert.equal(typeof answer.community.lastRefreshedAt, "string");
    });

    it("reads whole rows when a field it does not know is selected", () => {
      assert.equal(columnsFor(["number", "someNewField"], PHONE_FIELD_COLUMNS, ["memberKey"]), undefined);
      assert.deepEqual([...columnsFor(["number"], PHONE_FIELD_COLUMNS, ["memberKey"])!].sort(), ["memberKey", "number"]);
    });
  });
});
