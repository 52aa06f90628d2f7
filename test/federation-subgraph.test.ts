import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Role } from "../src/auth/viewer";
import { seedCommunities, seedEvents, seedGroups, seedMembers } from "./support/fixtures";
import { gql, gqlData, type GraphQLResponse } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Member { key displayName email }
    ... on Community { key name }
    ... on SecurityGroup { key name }
    ... on Event { key title }
  }
}`;

type Entity = Record<string, unknown> | null;
const ref = (typename: string, key: string) => ({ __typename: typename, key });

async function entities(url: string, representations: object[], token?: string): Promise<GraphQLResponse<{ _entities: Entity[] }>> {
  return gql<{ _entities: Entity[] }>(url, ENTITIES, { representations }, token);
}

describe("amsgate as an Apollo Federation 2 subgraph", () => {
  let harness: TestApp;
  const tokens: Record<string, string> = {};

  before(async () => {
    harness = await startTestApp();
    const dataSource = harness.app.database.dataSource;
    await seedCommunities(dataSource, [{ communityKey: "C1", name: "Finance Committee" }]);
    await seedGroups(dataSource, [{ groupKey: "G1", name: "Board Portal" }]);
    await seedMembers(dataSource, [
      { memberKey: "A", firstName: "Ann", lastName: "Able", email: "a@example.org" },
      { memberKey: "B", firstName: "Bea", lastName: "Baker", email: "b@example.org" },
      { memberKey: "OPT", firstName: "Oli", lastName: "Out", excludeFromDirectory: true },
      { memberKey: "DIS", firstName: "Dee", lastName: "Gone", status: "DISABLED", isMember: false },
      { memberKey: "NONMEM", firstName: "Nia", lastName: "Non", isMember: false },
    ]);
    await seedEvents(dataSource, [
      { eventKey: "PUB", title: "Open House", startsAt: new Date("2026-12-01T18:00:00Z") },
      { eventKey: "MO", title: "Members Gala", startsAt: new Date("2026-12-05T18:00:00Z"), isMembersOnly: true },
    ]);
    tokens.member = (await harness.app.sessions.issue("A", [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
    tokens.nonMember = (await harness.app.sessions.issue("NONMEM", [Role.AUTHENTICATED])).accessToken;
  });

  after(() => harness.stop());

  it("resolves Member, Community, SecurityGroup and Event references by key over HTTP", async () => {
    const answer = await entities(
      harness.url,
      [ref("Member", "A"), ref("Community", "C1"), ref("SecurityGroup", "G1"), ref("Event", "MO"), ref("Member", "NOPE")],
      ADMIN_KEY,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(answer.data!._entities, [
      { __typename: "Member", key: "A", displayName: "Ann Able", email: "a@example.org" },
      { __typename: "Community", key: "C1", name: "Finance Committee" },
      { __typename: "SecurityGroup", key: "G1", name: "Board Portal" },
      { __typename: "Event", key: "MO", title: "Members Gala" },
      null,
    ]);
  });

  it("a reference shows no more than member(key): hidden members are null, others' contact fields too", async () => {
    const keys = ["A", "B", "OPT", "DIS"];
    const answer = await entities(
      harness.url,
      keys.map((key) => ref("Member", key)),
      tokens.member,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(answer.data!._entities, [
      { __typename: "Member", key: "A", displayName: "Ann Able", email: "a@example.org" },
      { __typename: "Member", key: "B", displayName: "Bea Baker", email: null },
      null,
      null,
    ]);
    // The same answers member(key) gives the same caller.
    const direct = await gqlData<Record<string, unknown>>(
      harness.url,
      `{ ${keys.map((key) => `${key}: member(key: "${key}") { key displayName email }`).join(" ")} }`,
      {},
      tokens.member,
    );
    assert.deepEqual(
      keys.map((key) => direct[key]),
      answer.data!._entities.map((entity) => (entity ? { key: entity.key, displayName: entity.displayName, email: entity.email } : null)),
    );
  });

  it("refuses references where the root field refuses: no directory without member status, none anonymously", async () => {
    for (const [token, code] of [
      [tokens.nonMember, "FORBIDDEN"],
      [undefined, "UNAUTHENTICATED"],
    ] as const) {
      const answer = await entities(harness.url, [ref("Member", "B"), ref("Community", "C1"), ref("SecurityGroup", "G1")], token);
      assert.deepEqual(answer.data?._entities, [null, null, null]);
      assert.deepEqual(
        answer.errors?.map((error) => error.extensions?.code),
        [code, code, code],
      );
      const direct = await gql(harness.url, `{ member(key: "B") { key } }`, {}, token);
      assert.equal(direct.errors?.[0]?.extensions?.code, code, "member(key) refuses the same way");
    }
  });

  it("members-only events are null for callers without member status, as event(key) is", async () => {
    const answer = await entities(harness.url, [ref("Event", "PUB"), ref("Event", "MO")], tokens.nonMember);
    assert.deepEqual(answer.data!._entities, [{ __typename: "Event", key: "PUB", title: "Open House" }, null]);
    const anonymous = await entities(harness.url, [ref("Event", "MO")]);
    assert.deepEqual(anonymous.data!._entities, [null]);
  });

  it("the operation limits apply to _entities like any operation", async () => {
    const aliases = Array.from({ length: 20 }, (_, index) => `e${index}: _entities(representations: $r) { __typename }`).join(" ");
    const answer = await gql(harness.url, `query Many($r: [_Any!]!) { ${aliases} }`, { r: [ref("Member", "A")] }, tokens.member);
    assert.equal(answer.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED", JSON.stringify(answer.errors));
  });

  it("_service { sdl } answers in development and test while no gateway key is configured", async () => {
    const { _service } = await gqlData<{ _service: { sdl: string } }>(harness.url, `{ _service { sdl } }`);
    assert.match(_service.sdl, /type Member\s+@key\(fields: "key"\)/);
    assert.match(_service.sdl, /type PageInfo\s+@shareable/);
  });
});

describe("reference batching", () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp();
    const seeds = Array.from({ length: 200 }, (_, index) => ({
      memberKey: `M${String(index).padStart(4, "0")}`,
      firstName: `First${index}`,
      lastName: `Last${index}`,
      phones: [{ number: `+1 555 01${index}`, type: "WORK" }],
    }));
    await seedMembers(harness.app.database.dataSource, seeds);
  });

  after(() => harness.stop());

  it("resolves 1, 20 and 200 Member references with the same number of statements", async () => {
    const query = `query R($r: [_Any!]!) { _entities(representations: $r) { ... on Member { key phones { number } } } }`;
    const counts: number[] = [];
    for (const size of [1, 20, 200]) {
      const representations = Array.from({ length: size }, (_, index) => ref("Member", `M${String(index).padStart(4, "0")}`));
      const { result, statements } = await harness.queries.measure(() =>
        gqlData<{ _entities: Array<{ key: string; phones: unknown[] }> }>(harness.url, query, { r: representations }, ADMIN_KEY),
      );
      assert.equal(result._entities.length, size);
      assert.ok(
        result._entities.every((entity) => entity.phones.length === 1),
        "every reference came back whole",
      );
      counts.push(statements.length);
    }
    assert.equal(new Set(counts).size, 1, `statements per reference count: ${counts.join(", ")}`);
    assert.ok(counts[0]! <= 2, `expected at most 2 statements (members, phones), saw ${counts[0]}`);
  });

  it("10 and 200 references with scalars and several nested lists cost the same statements", async () => {
    const query = `query R($r: [_Any!]!) { _entities(representations: $r) { ... on Member {
      key firstName lastName phones { number } communities { role community { name } } securityGroups { group { name } } purchases { productCode } entitlements { kind }
    } } }`;
    const counts: number[] = [];
    for (const size of [10, 200]) {
      const representations = Array.from({ length: size }, (_, index) => ref("Member", `M${String(index).padStart(4, "0")}`));
      const { result, statements } = await harness.queries.measure(() =>
        gqlData<{ _entities: Array<{ key: string; firstName: string; purchases: unknown[] }> }>(
          harness.url,
          query,
          { r: representations },
          ADMIN_KEY,
        ),
      );
      assert.deepEqual(
        result._entities.map((entity) => entity.key),
        representations.map((reference) => reference.key),
      );
      assert.ok(result._entities.every((entity, index) => entity.firstName === `First${index}` && Array.isArray(entity.purchases)));
      counts.push(statements.length);
    }
    assert.equal(counts[0], counts[1], `statements for 10 and 200 references: ${counts.join(", ")}`);
  });
});

describe("_service in production", () => {
  const GATEWAY_KEY = "gateway-key-0123456789abcdefghij";
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp({
      env: { NODE_ENV: "production", LOG_LEVEL: "silent", AMS_SOURCE: "demo", FEDERATION_GATEWAY_KEYS: GATEWAY_KEY },
    });
  });

  after(() => harness.stop());

  const askService = async (headers: Record<string, string>) => {
    const response = await fetch(harness.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: "{ _service { sdl } }" }),
    });
    return (await response.json()) as GraphQLResponse<{ _service: { sdl: string } }>;
  };

  it("refuses _service without the gateway key, even to an admin", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${ADMIN_KEY}` },
      { "x-gateway-key": "gateway-key-0123456789abcdefghiX" },
    ];
    for (const headers of attempts) {
      const answer = await askService(headers);
      assert.equal(answer.data, null);
      assert.equal(answer.errors?.[0]?.extensions?.code, "FORBIDDEN", JSON.stringify(answer.errors));
    }
  });

  it("answers _service to the configured gateway key", async () => {
    const answer = await askService({ "x-gateway-key": GATEWAY_KEY });
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.match(answer.data!._service.sdl, /type Member\s+@key\(fields: "key"\)/);
  });
});
