import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gqlData } from "./support/graphql-client";
import { seedCommunities, seedEvents, seedGroups, seedMembers } from "./support/fixtures";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

describe("communities, security groups and events over HTTP", () => {
  let harness: TestApp;
  const ask = (query: string, variables: Record<string, unknown> = {}) => gqlData<any>(harness.url, query, variables, ADMIN_KEY);

  before(async () => {
    harness = await startTestApp();
    const dataSource = harness.app.database.dataSource;
    await seedCommunities(dataSource, [
      { communityKey: "CH", name: "Chapters", type: "Chapter" },
      { communityKey: "CH-NE", name: "Northeast", type: "Chapter", subType: "Regional", parentKey: "CH" },
      { communityKey: "CH-SW", name: "Southwest", type: "Chapter", subType: "Regional", parentKey: "CH" },
      { communityKey: "FIN", name: "Finance Committee", type: "Committee" },
    ]);
    await seedGroups(dataSource, [
      { groupKey: "Staff", name: "Staff", kind: "SYSTEM", isStaff: true },
      { groupKey: "MT:Regular", name: "Regular", amsType: "MemberType", grantsMemberStatus: true },
    ]);
    await seedMembers(dataSource, [
      {
        memberKey: "A",
        firstName: "Ann",
        lastName: "Able",
        communities: [
          { communityKey: "FIN", role: "Chair", beginDate: "2025-01-01", endDate: "2025-12-31" },
          { communityKey: "FIN", role: "Member", beginDate: "2026-01-01" },
        ],
        groups: [{ groupKey: "MT:Regular" }],
      },
      {
        memberKey: "B",
        firstName: "Ben",
        lastName: "Baker",
        communities: [{ communityKey: "FIN", role: "Member" }],
        groups: [{ groupKey: "MT:Regular" }],
      },
      {
        memberKey: "C",
        firstName: "Cat",
        lastName: "Cole",
        communities: [{ communityKey: "FIN", role: "Vice Chair", endDate: "2024-06-30" }],
        groups: [{ groupKey: "Staff" }],
      },
    ]);
    await seedEvents(dataSource, [
      { eventKey: "E1", title: "Annual Meeting", startsAt: new Date("2026-03-01T15:00:00Z"), endsAt: new Date("2026-03-03T22:00:00Z") },
      { eventKey: "E2", title: "Webinar", startsAt: new Date("2026-05-10T17:00:00Z") },
      { eventKey: "E3", title: "Gala", startsAt: new Date("2026-12-01T01:00:00Z"), isMembersOnly: true },
      { eventKey: "E4", title: "Cancelled", startsAt: new Date("2026-06-01T01:00:00Z"), isDeleted: true },
    ]);
  });

  after(() => harness.stop());

  it("pages communities one at a time in name order, the count following the filter", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const data: any = await ask(
        `query($after: String) { communities(first: 1, after: $after) { totalCount edges { node { key } } pageInfo { endCursor hasNextPage } } }`,
        { after },
      );
      assert.equal(data.communities.totalCount, 4);
      seen.push(...data.communities.edges.map((edge: any) => edge.node.key));
      if (!data.communities.pageInfo.hasNextPage) break;
      after = data.communities.pageInfo.endCursor;
    }
    assert.deepEqual(seen, ["CH", "FIN", "CH-NE", "CH-SW"]);
    const chapters = await ask(`{ communities(first: 1, filter: { type: "Chapter" }) { totalCount edges { node { key } } } }`);
    assert.equal(chapters.communities.totalCount, 3);
    assert.deepEqual(
      chapters.communities.edges.map((edge: any) => edge.node.key),
      ["CH"],
    );
  });

  it("lists communities by name with filters, parents and children", async () => {
    const data = await ask(`{
      all: communities { totalCount edges { node { key } } }
      regional: communities(filter: { type: "Chapter", subType: "Regional" }) { edges { node { key parent { key name } } } }
      search: communities(filter: { search: "east" }) { edges { node { key } } }
      community(key: "CH") { name children { key } }
    }`);
    assert.deepEqual(
      data.all.edges.map((edge: any) => edge.node.key),
      ["CH", "FIN", "CH-NE", "CH-SW"],
    );
    assert.equal(data.all.totalCount, 4);
    assert.deepEqual(
      data.regional.edges.map((edge: any) => [edge.node.key, edge.node.parent.key]),
      [
        ["CH-NE", "CH"],
        ["CH-SW", "CH"],
      ],
    );
    assert.deepEqual(
      data.search.edges.map((edge: any) => edge.node.key),
      ["CH-NE"],
    );
    assert.deepEqual(data.community, { name: "Chapters", children: [{ key: "CH-NE" }, { key: "CH-SW" }] });
  });

  it("pages a community's members by name, by role and by the day a term runs", async () => {
    const roster = async (args: string) =>
      (await ask(`{ community(key: "FIN") { members(${args}) { totalCount edges { node { role member { key } } } } } }`)).community.members;
    const all = await roster("first: 10");
    assert.equal(all.totalCount, 4);
    assert.deepEqual(
      all.edges.map((edge: any) => [edge.node.member.key, edge.node.role]),
      [
        ["A", "Chair"],
        ["A", "Member"],
        ["B", "Member"],
        ["C", "Vice Chair"],
      ],
    );
    const members = await roster(`role: "Member"`);
    assert.deepEqual(
      members.edges.map((edge: any) => edge.node.member.key),
      ["A", "B"],
    );
    const mid2025 = await roster(`activeOn: "2025-06-01"`);
    assert.deepEqual(
      mid2025.edges.map((edge: any) => [edge.node.member.key, edge.node.role]),
      [
        ["A", "Chair"],
        ["B", "Member"],
      ],
    );
    assert.equal(mid2025.totalCount, 2);

    const first = (await ask(`{ community(key: "FIN") { members(first: 3) { pageInfo { endCursor hasNextPage } } } }`)).community.members;
    assert.equal(first.pageInfo.hasNextPage, true);
    const rest = (
      await ask(
        `query($after: String) { community(key: "FIN") { members(first: 3, after: $after) { edges { node { role member { key } } } pageInfo { hasNextPage } } } }`,
        {
          after: first.pageInfo.endCursor,
        },
      )
    ).community.members;
    assert.deepEqual(
      rest.edges.map((edge: any) => edge.node.member.key),
      ["C"],
    );
    assert.equal(rest.pageInfo.hasNextPage, false);
  });

  it("lists security groups, system groups first, with their members", async () => {
    const data = await ask(`{
      securityGroups { key kind isStaff }
      securityGroup(key: "MT:Regular") { name amsType members { totalCount edges { node { member { key } group { key } } } } }
    }`);
    assert.deepEqual(data.securityGroups, [
      { key: "Admin", kind: "SYSTEM", isStaff: false },
      { key: "Authenticated", kind: "SYSTEM", isStaff: false },
      { key: "IsMember", kind: "SYSTEM", isStaff: false },
      { key: "Public", kind: "SYSTEM", isStaff: false },
      { key: "Staff", kind: "SYSTEM", isStaff: true },
      { key: "MT:Regular", kind: "AMS", isStaff: false },
    ]);
    assert.equal(data.securityGroup.members.totalCount, 2);
    assert.deepEqual(
      data.securityGroup.members.edges.map((edge: any) => edge.node.member.key),
      ["A", "B"],
    );
  });

  it("lists events by start within a window, never deleted ones", async () => {
    const keys = async (args: string) =>
      (await ask(`{ events${args} { totalCount edges { node { key } } } }`)).events.edges.map((edge: any) => edge.node.key);
    assert.deepEqual(await keys(""), ["E1", "E2", "E3"]);
    // E1 is still running on March 2nd, so a window from then includes it.
    assert.deepEqual(await keys(`(from: "2026-03-02T00:00:00Z")`), ["E1", "E2", "E3"]);
    assert.deepEqual(await keys(`(from: "2026-03-04T00:00:00Z", to: "2026-12-01T00:00:00Z")`), ["E2"]);
    const page = (await ask(`{ events(first: 1) { edges { node { key } } pageInfo { endCursor } } }`)).events;
    const next = (
      await ask(`query($after: String) { events(first: 5, after: $after) { edges { node { key } } } }`, { after: page.pageInfo.endCursor })
    ).events;
    assert.deepEqual(
      next.edges.map((edge: any) => edge.node.key),
      ["E2", "E3"],
    );
    assert.equal((await ask(`{ event(key: "E4") { key } }`)).event, null);
    assert.equal((await ask(`{ event(key: "E2") { title startsAt } }`)).event.startsAt, "2026-05-10T17:00:00.000Z");
  });
});
