import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Role } from "../src/auth/viewer";
import { ManualClock } from "../src/time/clock";
import { seedCommunities, seedGroups, seedMembers } from "./support/fixtures";
import { gql, wsClient, wsExecute, type GraphQLResponse } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

type Transport = "http" | "ws";
type Answer = Pick<GraphQLResponse, "data" | "errors">;
type Roster = { totalCount: number; edges: Array<{ node: { member: { key: string } } }> };

const ROSTER = "members { totalCount edges { node { member { key displayName companyName title } } } }";

/**
 * Rosters, filters and search follow the directory rule whichever path reaches them: a session
 * without member status sees only itself; a member sees the rosters of its own communities and of
 * the open community types; search matches only fields the caller may read.
 */
// MariaDB over HTTP and WebSocket; the embedded SQLite database over HTTP, since the rules are SQL.
const SETUPS = [
  { database: "mysql", transports: ["http", "ws"] },
  { database: "sqlite", transports: ["http"] },
] as const;

for (const { database, transports } of SETUPS)
  describe(`who may see which member, on every path (${database})`, () => {
    let harness: TestApp;
    const tokens: Record<string, string> = {};
    const clients: Array<ReturnType<typeof wsClient>> = [];

    before(async () => {
      harness = await startTestApp({
        database,
        // The nested roster paths under test are deeper than a member's default depth limit (6).
        env: { COMMUNITY_OPEN_ROSTER_TYPES: "chapter, Special Interest Group/Regional", QUERY_MAX_DEPTH: "10" },
        overrides: { clock: new ManualClock("2026-11-23T12:00:00.000Z") },
      });
      const dataSource = harness.app.database.dataSource;
      await seedCommunities(dataSource, [
        { communityKey: "COM", name: "Finance Committee", type: "Committee" },
        { communityKey: "OTHER", name: "Awards Committee", type: "Committee" },
        { communityKey: "PAST", name: "Bylaws Committee", type: "Committee" },
        { communityKey: "SOON", name: "Nominating Committee", type: "Committee" },
        { communityKey: "CHAP", name: "Northeast Chapter", type: "Chapter" },
        { communityKey: "SIGR", name: "Regional Interest", type: "Special Interest Group", subType: "Regional" },
        { communityKey: "SIGT", name: "Topical Interest", type: "Special Interest Group", subType: "Topical" },
      ]);
      await seedGroups(dataSource, [
        { groupKey: "Authenticated", name: "Authenticated", kind: "SYSTEM" },
        { groupKey: "Staff", name: "Staff", kind: "SYSTEM", isStaff: true },
      ]);
      const everyone = [{ groupKey: "Authenticated" }];
      const inThe = (...keys: string[]) => keys.map((communityKey) => ({ communityKey, role: "Member" }));
      await seedMembers(dataSource, [
        {
          memberKey: "A",
          firstName: "Ann",
          lastName: "Able",
          email: "ann.able@example.org",
          companyName: "Acme",
          title: "CFO",
          communities: [
            ...inThe("COM"),
            { communityKey: "PAST", endDate: "2020-12-31" },
            { communityKey: "SOON", beginDate: "2030-01-01" },
          ],
          groups: everyone,
        },
        {
          memberKey: "B",
          firstName: "Bea",
          lastName: "Baker",
          email: "bea.baker@example.org",
          companyName: "Bakery",
          title: "Owner",
          communities: inThe("COM", "OTHER", "PAST", "SOON", "CHAP", "SIGR", "SIGT"),
          groups: everyone,
        },
        {
          memberKey: "X",
          firstName: "Xan",
          lastName: "Xeno",
          email: "xan@other.net",
          communities: inThe("OTHER", "CHAP"),
          groups: everyone,
        },
        {
          memberKey: "OPT",
          firstName: "Oli",
          lastName: "Out",
          excludeFromDirectory: true,
          email: "oli@example.org",
          communities: inThe("COM", "CHAP"),
          groups: everyone,
        },
        {
          memberKey: "LAPSED",
          firstName: "Lou",
          lastName: "Lapsed",
          status: "EXPIRED",
          isMember: false,
          email: "lou@example.org",
          communities: inThe("COM"),
          groups: everyone,
        },
        {
          memberKey: "STAFFER",
          firstName: "Sam",
          lastName: "Staff",
          email: "sam@example.org",
          groups: [...everyone, { groupKey: "Staff" }],
        },
      ]);
      const issue = async (key: string, roles: Role[]) => (await harness.app.sessions.issue(key, roles)).accessToken;
      tokens.member = await issue("A", [Role.AUTHENTICATED, Role.MEMBER]);
      tokens.lapsed = await issue("LAPSED", [Role.AUTHENTICATED]);
      tokens.staff = await issue("STAFFER", [Role.AUTHENTICATED, Role.MEMBER, Role.STAFF]);
      tokens.admin = ADMIN_KEY;
    });

    after(async () => {
      await Promise.all(clients.map((entry) => entry.client.dispose()));
      await harness.stop();
    });

    async function ask(transport: Transport, who: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
      if (transport === "http") return gql(harness.url, query, variables, tokens[who]);
      const entry = wsClient(harness.url, tokens[who]);
      clients.push(entry);
      return wsExecute(entry.client, query, variables);
    }
    async function data(transport: Transport, who: string, query: string, variables: Record<string, unknown> = {}) {
      const answer = await ask(transport, who, query, variables);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      return answer.data!;
    }
    const keysOf = (roster: Roster) => roster.edges.map((edge) => edge.node.member.key);
    const totalsOf = (terms: Array<{ community: { key: string; members: { totalCount: number } } }>) =>
      Object.fromEntries(terms.map((term) => [term.community.key, term.community.members.totalCount]));
    const rosterOf = async (transport: Transport, who: string, communityKey: string) => {
      const answer = await data(transport, who, `query($key: ID!) { community(key: $key) { ${ROSTER} } }`, { key: communityKey });
      const roster = answer.community.members as Roster;
      assert.equal(roster.totalCount, roster.edges.length, `${communityKey}: totalCount agrees with the page`);
      return keysOf(roster);
    };
    const directory = async (transport: Transport, who: string, filter: Record<string, unknown>) => {
      const answer = await data(
        transport,
        who,
        `query($filter: MemberFilter) { members(filter: $filter) { totalCount edges { node { key } } } }`,
        { filter },
      );
      const keys = answer.members.edges.map((edge: { node: { key: string } }) => edge.node.key);
      assert.equal(answer.members.totalCount, keys.length, `${JSON.stringify(filter)}: totalCount agrees with the page`);
      return keys;
    };

    for (const transport of transports) {
      describe(`over ${transport}`, () => {
        it("a session without member status sees only itself in security-group and community rosters", async () => {
          const groups = await data(transport, "lapsed", `{ me { member { securityGroups { group { key ${ROSTER} } } } } }`);
          const authenticated = groups.me.member.securityGroups.find(
            (entry: { group: { key: string } }) => entry.group.key === "Authenticated",
          );
          assert.deepEqual(keysOf(authenticated.group.members), ["LAPSED"]);
          assert.equal(authenticated.group.members.totalCount, 1);
          const communities = await data(transport, "lapsed", `{ me { member { communities { community { key ${ROSTER} } } } } }`);
          const finance = communities.me.member.communities[0].community;
          assert.equal(finance.key, "COM");
          assert.deepEqual(keysOf(finance.members), ["LAPSED"]);
          assert.equal(finance.members.totalCount, 1);
          for (const query of [`{ members { totalCount } }`, `{ member(key: "B") { key } }`, `{ community(key: "COM") { key } }`]) {
            const answer = await ask(transport, "lapsed", query);
            assert.equal(answer.errors?.[0]?.extensions?.code, "FORBIDDEN", query);
          }
        });

        it("a member lists the rosters of its own current communities and of the open types only", async () => {
          assert.deepEqual(await rosterOf(transport, "member", "COM"), ["A", "B", "LAPSED"], "own community, without opt-outs");
          assert.deepEqual(await rosterOf(transport, "member", "OTHER"), [], "a committee the member is not on");
          assert.deepEqual(await rosterOf(transport, "member", "PAST"), ["A"], "a term that ended: only the member's own row");
          assert.deepEqual(await rosterOf(transport, "member", "SOON"), ["A"], "a term that has not begun: only the member's own row");
          assert.deepEqual(await rosterOf(transport, "member", "CHAP"), ["B", "X"], "an open type (Chapter), without opt-outs");
          assert.deepEqual(await rosterOf(transport, "member", "SIGR"), ["B"], "an open type and sub-type");
          assert.deepEqual(await rosterOf(transport, "member", "SIGT"), [], "the same type with another sub-type stays closed");
          const mine = await data(transport, "member", `{ me { member { communities { community { key members { totalCount } } } } } }`);
          assert.deepEqual(totalsOf(mine.me.member.communities), { COM: 3, PAST: 1, SOON: 1 }, "the same rule on a nested path");
        });

        it("a member sees another member's terms only in communities whose roster it may list", async () => {
          const profile = `{ member(key: "B") { communities { community { key members { totalCount } } } } }`;
          const seen = await data(transport, "member", profile);
          assert.deepEqual(
            totalsOf(seen.member.communities),
            { COM: 3, CHAP: 2, SIGR: 1 },
            "closed rosters cannot be pieced together from profiles",
          );
          const all = await data(transport, "staff", profile);
          assert.deepEqual(totalsOf(all.member.communities), { COM: 4, OTHER: 2, PAST: 2, SOON: 2, CHAP: 3, SIGR: 1, SIGT: 1 });
          const own = await data(transport, "lapsed", `{ me { member { communities { community { key } } } } }`);
          assert.deepEqual(
            own.me.member.communities.map((entry: { community: { key: string } }) => entry.community.key),
            ["COM"],
          );
        });

        it("staff and admins list every roster, opt-outs included", async () => {
          for (const who of ["staff", "admin"]) {
            assert.deepEqual(await rosterOf(transport, who, "OTHER"), ["B", "X"], who);
            assert.deepEqual(await rosterOf(transport, who, "CHAP"), ["B", "OPT", "X"], who);
          }
        });

        it("members(filter: { communityKey }) follows the community's roster rule", async () => {
          assert.deepEqual(await directory(transport, "member", { communityKey: "OTHER" }), []);
          assert.deepEqual(await directory(transport, "member", { communityKey: "SIGT" }), []);
          assert.deepEqual(await directory(transport, "member", { communityKey: "CHAP" }), ["B", "X"]);
          assert.deepEqual(await directory(transport, "member", { communityKey: "COM" }), ["A", "B", "LAPSED"]);
          assert.deepEqual(await directory(transport, "staff", { communityKey: "OTHER" }), ["B", "X"]);
        });

        it("every filter at once, paged one by one: the page, its count and each cursor agree", async () => {
          // Search (with the viewer's own email), statuses, a roster, an instant and the row rule
          // all bind values, and the cursor binds five more after them.
          const filter = { search: "e", statuses: ["ACTIVE", "EXPIRED"], communityKey: "COM", changedSince: "2000-01-01T00:00:00Z" };
          const query = `query($filter: MemberFilter, $after: String) {
            members(first: 1, after: $after, filter: $filter) { totalCount edges { node { key } } pageInfo { hasNextPage endCursor } }
          }`;
          const seen: string[] = [];
          let after: string | null = null;
          for (let page = 0; page < 5; page += 1) {
            const answer = await data(transport, "member", query, { filter, after });
            assert.equal(answer.members.totalCount, 3);
            seen.push(...answer.members.edges.map((edge: { node: { key: string } }) => edge.node.key));
            if (!answer.members.pageInfo.hasNextPage) break;
            after = answer.members.pageInfo.endCursor;
          }
          assert.deepEqual(seen, ["A", "B", "LAPSED"]);
        });

        it("search matches email only where the caller may read it", async () => {
          assert.deepEqual(await directory(transport, "member", { search: "bea.baker@example.org" }), [], "another member's exact email");
          assert.deepEqual(await directory(transport, "member", { search: "example.org" }), ["A"], "a domain: only the member's own email");
          assert.deepEqual(await directory(transport, "member", { search: "other.net" }), []);
          assert.deepEqual(await directory(transport, "member", { search: "ann.able@example.org" }), ["A"], "your own email");
          assert.deepEqual(await directory(transport, "member", { search: "baker" }), ["B"], "names still match");
          assert.deepEqual(await directory(transport, "member", { search: "bakery" }), ["B"], "company still matches");
          assert.deepEqual(await directory(transport, "staff", { search: "bea.baker@example.org" }), ["B"]);
          assert.deepEqual(await directory(transport, "admin", { search: "example.org" }), ["A", "B", "LAPSED", "OPT", "STAFFER"]);
        });
      });
    }
  });
