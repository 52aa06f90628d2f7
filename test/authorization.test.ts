import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Role } from "../src/auth/viewer";
import { seedCommunities, seedEvents, seedGroups, seedMembers } from "./support/fixtures";
import { gql, wsClient, wsExecute, type GraphQLResponse } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

type Transport = "http" | "ws";
type Answer = Pick<GraphQLResponse, "data" | "errors">;

const CONTACT = "email phones { number } address { city } demographics { value }";

describe("who may see what (DESIGN §5), over HTTP and over WebSocket", () => {
  let harness: TestApp;
  const tokens: Record<string, string> = {};
  const clients: Array<ReturnType<typeof wsClient>> = [];

  before(async () => {
    // Visibility must hold on every path, also the deep ones an operator may open past the default depth.
    harness = await startTestApp({ env: { QUERY_MAX_DEPTH: "8" } });
    const dataSource = harness.app.database.dataSource;
    await seedCommunities(dataSource, [{ communityKey: "C1", name: "Finance Committee", type: "Committee" }]);
    await seedGroups(dataSource, [
      { groupKey: "G1", name: "Board Portal" },
      { groupKey: "Staff", name: "Staff", kind: "SYSTEM", isStaff: true },
    ]);
    const contact = (key: string) => ({
      email: `${key.toLowerCase()}@example.org`,
      city: "Springfield",
      phones: [{ number: `555-${key}`, type: "WORK" }],
      demographics: [{ type: "Specialty", value: `value-${key}` }],
    });
    const inC1 = [{ communityKey: "C1", role: "Member" }];
    const inG1 = [{ groupKey: "G1" }];
    await seedMembers(dataSource, [
      { memberKey: "A", firstName: "Ann", lastName: "Able", ...contact("A"), communities: inC1, groups: inG1 },
      { memberKey: "B", firstName: "Bea", lastName: "Baker", ...contact("B"), communities: inC1, groups: inG1 },
      {
        memberKey: "OPT",
        firstName: "Oli",
        lastName: "Out",
        excludeFromDirectory: true,
        ...contact("OPT"),
        communities: inC1,
        groups: inG1,
      },
      { memberKey: "DIS", firstName: "Dee", lastName: "Gone", status: "DISABLED", isMember: false, ...contact("DIS"), communities: inC1 },
      { memberKey: "STAFFER", firstName: "Sam", lastName: "Staff", ...contact("STAFFER"), groups: [{ groupKey: "Staff" }] },
      { memberKey: "NONMEM", firstName: "Nia", lastName: "Non", isMember: false, memberType: "Non-member", ...contact("NONMEM") },
    ]);
    await seedEvents(dataSource, [
      { eventKey: "PUB", title: "Open House", startsAt: new Date("2026-12-01T18:00:00Z") },
      { eventKey: "MO", title: "Members Gala", startsAt: new Date("2026-12-05T18:00:00Z"), isMembersOnly: true },
    ]);
    const issue = async (key: string, roles: Role[]) => (await harness.app.sessions.issue(key, roles)).accessToken;
    tokens.member = await issue("A", [Role.AUTHENTICATED, Role.MEMBER]);
    tokens.nonMember = await issue("NONMEM", [Role.AUTHENTICATED]);
    tokens.staff = await issue("STAFFER", [Role.AUTHENTICATED, Role.MEMBER, Role.STAFF]);
    tokens.adminSession = await issue("B", [Role.AUTHENTICATED, Role.MEMBER, Role.ADMIN]);
    tokens.admin = ADMIN_KEY;
  });

  after(async () => {
    await Promise.all(clients.map((entry) => entry.client.dispose()));
    await harness.stop();
  });

  async function ask(transport: Transport, who: string | null, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
    const token = who === null ? undefined : tokens[who];
    if (transport === "http") return gql(harness.url, query, variables, token);
    const entry = wsClient(harness.url, token);
    clients.push(entry);
    return wsExecute(entry.client, query, variables);
  }
  const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;
  const keysOf = (connection: { edges: Array<{ node: { key?: string; member?: { key: string } } }> }) =>
    connection.edges.map((edge) => edge.node.key ?? edge.node.member!.key);

  for (const transport of ["http", "ws"] as const) {
    describe(`over ${transport}`, () => {
      it("PUBLIC: public events only; nothing personal; no sync", async () => {
        const events = await ask(
          transport,
          null,
          `{ events { edges { node { key } } } pub: event(key: "PUB") { key } mo: event(key: "MO") { key } }`,
        );
        assert.deepEqual(keysOf(events.data!.events), ["PUB"]);
        assert.deepEqual([events.data!.pub, events.data!.mo], [{ key: "PUB" }, null]);
        for (const query of [
          `{ members { totalCount } }`,
          `{ member(key: "A") { key } }`,
          `{ communities { totalCount } }`,
          `{ securityGroups { key } }`,
          `{ syncStatus { pendingRefreshCount } }`,
          `mutation { refreshMember(key: "A") { run { id } } }`,
        ]) {
          const answer = await ask(transport, null, query);
          assert.equal(codeOf(answer), "UNAUTHENTICATED", `${query}: ${JSON.stringify(answer.errors)}`);
        }
      });

      it("AUTHENTICATED without member status: no directory, no members-only events", async () => {
        assert.equal(codeOf(await ask(transport, "nonMember", `{ members { totalCount } }`)), "FORBIDDEN");
        const events = await ask(transport, "nonMember", `{ events { edges { node { key } } } }`);
        assert.deepEqual(keysOf(events.data!.events), ["PUB"]);
        const me = await ask(transport, "nonMember", `{ me { kind roles member { key ${CONTACT} } } }`);
        assert.deepEqual(me.data!.me.roles.sort(), ["AUTHENTICATED", "PUBLIC"]);
        assert.equal(me.data!.me.member.email, "nonmem@example.org", "your own contact fields");
      });

      it("MEMBER: the directory without opt-outs, others' contact fields hidden on every path", async () => {
        const directory = await ask(transport, "member", `{ members { totalCount edges { node { key displayName ${CONTACT} } } } }`);
        assert.deepEqual(keysOf(directory.data!.members), ["A", "B", "NONMEM", "STAFFER"]);
        assert.equal(directory.data!.members.totalCount, 4, "the count agrees with what the member may see");
        for (const { node } of directory.data!.members.edges) {
          if (node.key === "A") assert.equal(node.email, "a@example.org");
          else assert.deepEqual([node.email, node.phones, node.address, node.demographics], [null, null, null, null], node.key);
        }
        const one = await ask(
          transport,
          "member",
          `{ b: member(key: "B") { key ${CONTACT} } opt: member(key: "OPT") { key } dis: member(key: "DIS") { key } }`,
        );
        assert.deepEqual(one.data!.b, { key: "B", email: null, phones: null, address: null, demographics: null });
        assert.deepEqual([one.data!.opt, one.data!.dis], [null, null]);
        const roster = await ask(
          transport,
          "member",
          `{ community(key: "C1") { members { totalCount edges { node { member { key ${CONTACT} } } } } } }`,
        );
        assert.deepEqual(keysOf(roster.data!.community.members), ["A", "B"]);
        assert.equal(roster.data!.community.members.totalCount, 2);
        assert.equal(roster.data!.community.members.edges[1].node.member.email, null);
        const group = await ask(
          transport,
          "member",
          `{ securityGroup(key: "G1") { members { edges { node { member { key ${CONTACT} } } } } } }`,
        );
        assert.deepEqual(keysOf(group.data!.securityGroup.members), ["A", "B"]);
        assert.equal(group.data!.securityGroup.members.edges[1].node.member.phones, null);
        const through = await ask(
          transport,
          "member",
          `{ member(key: "A") { communities { community { members { edges { node { member { key email } } } } } } } }`,
        );
        const nested = through.data!.member.communities[0].community.members.edges.map((edge: any) => edge.node.member);
        assert.deepEqual(nested, [
          { key: "A", email: "a@example.org" },
          { key: "B", email: null },
        ]);
        const events = await ask(transport, "member", `{ events { edges { node { key } } } }`);
        assert.deepEqual(keysOf(events.data!.events), ["PUB", "MO"]);
        assert.equal(codeOf(await ask(transport, "member", `{ syncStatus { pendingRefreshCount } }`)), "FORBIDDEN");
        assert.equal(codeOf(await ask(transport, "member", `mutation { fullResync { id } }`)), "FORBIDDEN");
      });

      it("STAFF: everyone's contact fields and the whole directory; still no sync", async () => {
        const directory = await ask(transport, "staff", `{ members { edges { node { key email phones { number } } } } }`);
        assert.deepEqual(keysOf(directory.data!.members), ["A", "B", "DIS", "NONMEM", "OPT", "STAFFER"]);
        assert.ok(directory.data!.members.edges.every((edge: any) => edge.node.email !== null && edge.node.phones.length === 1));
        assert.equal(codeOf(await ask(transport, "staff", `{ syncStatus { pendingRefreshCount } }`)), "FORBIDDEN");
      });

      it("ADMIN, by API key or by Admin group: sync and everything", async () => {
        for (const who of ["admin", "adminSession"]) {
          const answer = await ask(transport, who, `{ syncStatus { pendingRefreshCount } member(key: "OPT") { email } }`);
          assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
          assert.deepEqual(answer.data, { syncStatus: { pendingRefreshCount: 0 }, member: { email: "opt@example.org" } });
        }
      });
    });
  }

  it("memberChanged is refused to members before any event flows", async () => {
    const member = wsClient(harness.url, tokens.member);
    clients.push(member);
    const refused = await new Promise<unknown>((resolve) => {
      member.client.subscribe(
        { query: `subscription { memberChanged { key member { email } } }` },
        {
          next: (value) => resolve(value),
          error: (error) => resolve({ errors: error }),
          complete: () => resolve(undefined),
        },
      );
    });
    assert.match(JSON.stringify(refused), /FORBIDDEN/);
  });

  it("personifyLoginUrl on a gateway without Personify is bad input, naming the method", async () => {
    const answer = await gql(harness.url, `{ personifyLoginUrl(returnUrl: "https://members.example.org/") }`);
    assert.equal(answer.data, null);
    assert.deepEqual(
      answer.errors?.map((error) => [error.message, error.extensions]),
      [["PERSONIFY sign-on is not configured", { code: "BAD_USER_INPUT" }]],
    );
  });
});
