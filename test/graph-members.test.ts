import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gql, gqlData } from "./support/graphql-client";
import { seedCommunities, seedGroups, seedMembers } from "./support/fixtures";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

describe("members over HTTP", () => {
  let harness: TestApp;
  const ask = (query: string, variables: Record<string, unknown> = {}) => gqlData<any>(harness.url, query, variables, ADMIN_KEY);

  before(async () => {
    harness = await startTestApp();
    const dataSource = harness.app.database.dataSource;
    await seedCommunities(dataSource, [
      { communityKey: "BOARD", name: "Board of Directors", type: "Committee" },
      { communityKey: "NE", name: "Northeast Chapter", type: "Chapter" },
    ]);
    await seedGroups(dataSource, [{ groupKey: "MT:Student", name: "Student", amsType: "MemberType", grantsMemberStatus: true }]);
    await seedMembers(dataSource, [
      {
        memberKey: "K-ADA",
        memberId: "1001",
        prefix: "Dr.",
        firstName: "Ada",
        middleName: "King",
        lastName: "Lovelace",
        informalName: "Addie",
        suffix: "PhD",
        designation: "FRS",
        email: "ada@example.org",
        addressLine1: "1 Analytical Way",
        city: "London",
        postalCode: "N1",
        country: "GB",
        companyName: "Engines Ltd",
        title: "Analyst",
        bio: "Wrote the first program.",
        profileImageUrl: "https://img.example.org/ada.png",
        websiteUrl: "https://ada.example.org",
        memberType: "Student",
        memberSince: "2015-01-01",
        membershipExpiresOn: "2027-12-31",
        phones: [
          { number: "+44 20 0000 0001", type: "WORK" },
          { number: "+44 77 0000 0002", type: "MOBILE" },
        ],
        socialLinks: [{ network: "LINKEDIN", url: "https://linkedin.example/ada" }],
        demographics: [{ type: "Specialty", value: "Mathematics" }],
        communities: [
          { communityKey: "BOARD", role: "Chair", beginDate: "2024-01-01", endDate: "2024-12-31" },
          { communityKey: "NE", role: "Member", beginDate: "2020-01-01" },
        ],
        groups: [{ groupKey: "MT:Student", beginDate: "2015-01-01" }],
      },
      { memberKey: "K-BOB", firstName: "Bob", lastName: "Babbage", email: "bob@example.org", memberType: "Regular" },
      { memberKey: "K-CY", firstName: "Cy", lastName: "Babbage", memberType: "Regular", status: "EXPIRED", isMember: false },
      { memberKey: "K-ORG", lastName: "", companyName: "Difference Co", isOrganization: true, memberType: "Organization" },
      {
        memberKey: "K-DEE",
        firstName: "Dee",
        lastName: "Zed",
        memberType: "Regular",
        status: "DISABLED",
        isMember: false,
        changedAt: new Date("2026-11-20T00:00:00.000Z"),
      },
    ]);
  });

  after(() => harness.stop());

  it("returns every field of one member with its nested lists", async () => {
    const data = await ask(`{ member(key: "K-ADA") {
      key memberId prefix firstName middleName lastName informalName suffix designation displayName
      email phones { number type } address { line1 city postalCode country }
      socialLinks { network url } demographics { type value }
      companyName title bio profileImageUrl websiteUrl memberType status isMember isOrganization
      memberSince membershipExpiresOn excludeFromDirectory lastRefreshedAt
      communities { role beginDate endDate isActive community { key name type } }
      active: communities(activeOn: "2025-06-01") { community { key } }
      securityGroups { beginDate group { key name kind grantsMemberStatus } }
    } }`);
    const member = data.member;
    assert.equal(member.displayName, "Addie Lovelace");
    assert.equal(member.prefix, "Dr.");
    assert.deepEqual(member.phones, [
      { number: "+44 20 0000 0001", type: "WORK" },
      { number: "+44 77 0000 0002", type: "MOBILE" },
    ]);
    assert.deepEqual(member.address, { line1: "1 Analytical Way", city: "London", postalCode: "N1", country: "GB" });
    assert.deepEqual(member.socialLinks, [{ network: "LINKEDIN", url: "https://linkedin.example/ada" }]);
    assert.deepEqual(member.demographics, [{ type: "Specialty", value: "Mathematics" }]);
    assert.equal(member.memberSince, "2015-01-01");
    assert.equal(member.membershipExpiresOn, "2027-12-31");
    assert.equal(member.status, "ACTIVE");
    assert.equal(member.lastRefreshedAt, "2026-11-01T12:00:00.000Z");
    assert.deepEqual(
      member.communities.map((membership: any) => [membership.community.key, membership.role, membership.endDate]),
      [
        ["BOARD", "Chair", "2024-12-31"],
        ["NE", "Member", null],
      ],
    );
    assert.deepEqual(member.active, [{ community: { key: "NE" } }]);
    assert.deepEqual(member.securityGroups, [
      { beginDate: "2015-01-01", group: { key: "MT:Student", name: "Student", kind: "AMS", grantsMemberStatus: true } },
    ]);
  });

  it("answers null for a member that is not in the cache", async () => {
    assert.deepEqual(await ask(`{ member(key: "nobody") { key } }`), { member: null });
  });

  it("names organizations by company", async () => {
    const data = await ask(`{ member(key: "K-ORG") { displayName firstName lastName } }`);
    assert.deepEqual(data.member, { displayName: "Difference Co", firstName: null, lastName: null });
  });

  it("pages in a stable order by last name, first name and key, with totalCount", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const data: any = await ask(
        `query($after: String) { members(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { key } } } }`,
        { after },
      );
      const connection = data.members;
      assert.equal(connection.totalCount, 5);
      assert.equal(connection.pageInfo.hasPreviousPage, after !== null);
      seen.push(...connection.edges.map((edge: any) => edge.node.key));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    assert.equal(pages, 3);
    // "" sorts before any name: the organization, then Babbage Bob, Babbage Cy, Lovelace, Zed.
    assert.deepEqual(seen, ["K-ORG", "K-BOB", "K-CY", "K-ADA", "K-DEE"]);
  });

  it("filters by text, type, status, community, security group and change time", async () => {
    const keys = async (filter: Record<string, unknown>) => {
      const data = await ask(`query($filter: MemberFilter) { members(filter: $filter) { totalCount edges { node { key } } } }`, {
        filter,
      });
      assert.equal(data.members.totalCount, data.members.edges.length);
      return data.members.edges.map((edge: any) => edge.node.key);
    };
    assert.deepEqual(await keys({ search: "babbage" }), ["K-BOB", "K-CY"]);
    assert.deepEqual(await keys({ search: "ada lovelace" }), ["K-ADA"]);
    assert.deepEqual(await keys({ search: "bob@example" }), ["K-BOB"]);
    assert.deepEqual(await keys({ search: "engines" }), ["K-ADA"]);
    assert.deepEqual(await keys({ search: "100%_" }), [], "LIKE wildcards in the text are literal");
    assert.deepEqual(await keys({ memberTypes: ["Organization", "Student"] }), ["K-ORG", "K-ADA"]);
    assert.deepEqual(await keys({ statuses: ["EXPIRED", "DISABLED"] }), ["K-CY", "K-DEE"]);
    assert.deepEqual(await keys({ isMember: false }), ["K-CY", "K-DEE"]);
    assert.deepEqual(await keys({ communityKey: "NE" }), ["K-ADA"]);
    assert.deepEqual(await keys({ securityGroupKey: "MT:Student" }), ["K-ADA"]);
    assert.deepEqual(await keys({ changedSince: "2026-11-10T00:00:00Z" }), ["K-DEE"]);
    assert.deepEqual(await keys({ memberTypes: ["Regular"], statuses: ["ACTIVE"] }), ["K-BOB"]);
  });

  describe("refuses bad input with BAD_USER_INPUT and a message that says what was wrong", () => {
    const refused = async (query: string, variables: Record<string, unknown>, expected: RegExp) => {
      const response = await gql(harness.url, query, variables, ADMIN_KEY);
      assert.equal(response.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(response.errors));
      assert.match(response.errors![0]!.message, expected);
    };

    it("a malformed after cursor", async () => {
      await refused(`{ members(after: "not-a-cursor") { totalCount } }`, {}, /not a cursor from this list/);
    });

    it("a cursor from another list", async () => {
      const data = await ask(`{ communities(first: 1) { pageInfo { endCursor } } }`);
      await refused(
        `query($after: String) { members(after: $after) { totalCount } }`,
        { after: data.communities.pageInfo.endCursor },
        /not a cursor from this list/,
      );
    });

    it("first above 500, or below 1", async () => {
      await refused(`{ members(first: 501) { totalCount } }`, {}, /first must not be greater than 500/);
      await refused(`{ members(first: 0) { totalCount } }`, {}, /first must not be less than 1/);
    });

    it("a filter value too long, alone and with a bad page size (the page's refusal comes first)", async () => {
      const filter = `query($f: MemberFilter, $first: Int) { members(first: $first, filter: $f) { totalCount } }`;
      const long = { search: "x".repeat(201), memberTypes: Array.from({ length: 51 }, () => "T") };
      await refused(
        filter,
        { f: long },
        /^search must be shorter than or equal to 200 characters; memberTypes must contain no more than 50 elements$/,
      );
      await refused(filter, { f: long, first: 0 }, /^first must not be less than 1$/);
    });

    it("a bad date or date-time, inline or as a variable", async () => {
      await refused(`{ member(key: "K-ADA") { communities(activeOn: "2025-02-30") { role } } }`, {}, /YYYY-MM-DD/);
      await refused(`query($d: Date) { member(key: "K-ADA") { communities(activeOn: $d) { role } } }`, { d: "yesterday" }, /YYYY-MM-DD/);
      await refused(`query($f: MemberFilter) { members(filter: $f) { totalCount } }`, { f: { changedSince: "2026-13-01" } }, /RFC 3339/);
      await refused(`{ events(from: "2026-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z") { totalCount } }`, {}, /from must be earlier/);
    });
  });
});
