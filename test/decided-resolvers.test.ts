import "reflect-metadata";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createPubSub } from "@graphql-yoga/subscription";
import { execute, type GraphQLFieldResolver, type GraphQLSchema, isObjectType, parse } from "graphql";
import { compileQuery, isCompiledQuery } from "graphql-jit";
import type { MiddlewareFn, ResolverData } from "type-graphql";
import { API_KEY_VIEWER, ANONYMOUS, Role, type Viewer } from "../src/auth/viewer";
import { toCommunityMembership } from "../src/graph/community/community.mapper";
import { DecidedResolvers, runChain } from "../src/graph/decided-resolvers";
import { toPhone } from "../src/graph/member/member.mapper";
import { toSecurityGroupMembership } from "../src/graph/security-group/security-group.mapper";
import { buildGraphSchema, RESOLVERS } from "../src/graph/schema";

const MEMBER_FIELDS = "key email phones { number } communities { role community { name } } securityGroups { group { name } }";
const PAGE = parse(`{ a: member(key: "A1") { ${MEMBER_FIELDS} } b: member(key: "B2") { ${MEMBER_FIELDS} } syncRun(id: "R1") { id } }`);

const session = (memberKey: string, roles: Role[]): Viewer => ({
  kind: "session",
  memberKey,
  roles: new Set([Role.PUBLIC, ...roles]),
  expiresAt: null,
});

const MEMBER = session("A1", [Role.AUTHENTICATED, Role.MEMBER]);

/** Loaders answering from memory: what the nested resolvers read (child lists give GraphQL objects). */
function fakeContext(viewerOf: () => Viewer) {
  const rows = async <T>(row: T) => [row];
  return {
    get viewer() {
      return viewerOf();
    },
    loaders: {
      member: { load: async (key: string) => ({ memberKey: key, email: `${key}@example.org`, firstName: key, lastName: "Doe" }) },
      lists: {
        phones: () => ({ load: (key: string) => rows(toPhone({ memberKey: key, number: `+1 555 ${key}`, type: null } as never)) }),
        communityMemberships: () => ({
          load: (key: string) =>
            rows(toCommunityMembership({ memberKey: key, communityKey: "C1", role: "Chair", beginDate: null, endDate: null } as never)),
        }),
        securityGroupMemberships: () => ({
          load: (key: string) => rows(toSecurityGroupMembership({ memberKey: key, groupKey: "G1", role: null } as never)),
        }),
      },
      community: { load: async () => ({ communityKey: "C1", name: "Chapter" }) },
      securityGroup: { load: async () => ({ groupKey: "G1", name: "Board" }) },
    },
    // A nullable admin field: a refusal leaves the rest of the answer, as the nested fields settle.
    services: { sync: { run: async () => null } },
  };
}

/** Each resolver type-graphql built, counted: calls that went through its wrappers. */
function instrument(schema: GraphQLSchema): Map<string, number> {
  const calls = new Map<string, number>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const original = field.resolve;
      if (!original) continue;
      const name = `${type.name}.${field.name}`;
      const counted: GraphQLFieldResolver<unknown, unknown> = (...args) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return original(...args);
      };
      field.resolve = counted;
    }
  }
  return calls;
}

describe("resolvers decided per role set for compiled operations", () => {
  let schema: GraphQLSchema;
  let decided: DecidedResolvers;
  let calls: Map<string, number>;

  before(async () => {
    schema = await buildGraphSchema({ pubSub: createPubSub() });
    calls = instrument(schema);
    decided = new DecidedResolvers(schema, RESOLVERS);
  });

  const compiledFor = (viewer: Viewer) => {
    const compiled = decided.compileFor(viewer.roles, () => compileQuery(schema, PAGE));
    assert.ok(isCompiledQuery(compiled));
    return compiled;
  };
  const json = (value: unknown) => JSON.parse(JSON.stringify(value));
  const errorsOf = (result: { errors?: readonly unknown[] }) =>
    (result.errors ?? []).map((error) => {
      const { message, path, originalError } = error as { message: string; path: unknown; originalError?: Error };
      return { message, path, kind: originalError?.constructor.name };
    });

  for (const [name, viewer] of [
    ["an admin key", API_KEY_VIEWER],
    ["a member", MEMBER],
    ["an anonymous caller", ANONYMOUS],
    ["a session without member status", session("A1", [Role.AUTHENTICATED])],
  ] as const) {
    it(`answers and refuses as type-graphql does for ${name}, without its per-value wrappers`, async () => {
      calls.clear();
      const interpreted = await execute({ schema, document: PAGE, contextValue: fakeContext(() => viewer) });
      const wrapped = new Map(calls);
      calls.clear();
      const result = await compiledFor(viewer).query(
        undefined,
        fakeContext(() => viewer),
        {},
      );
      assert.deepEqual(json(result.data), json(interpreted.data));
      assert.deepEqual(errorsOf(result), errorsOf(interpreted));
      // The page's nested fields ran through type-graphql's wrappers when interpreted, not compiled.
      if (interpreted.data?.a) assert.ok((wrapped.get("Member.phones") ?? 0) >= 2);
      for (const field of [
        "Query.member",
        "Member.phones",
        "Member.communities",
        "Member.securityGroups",
        "CommunityMembership.community",
        "Query.syncRun",
      ]) {
        assert.equal(calls.get(field), undefined, `${field} went through type-graphql`);
      }
    });
  }

  it("keeps contact fields null for a member reading someone else", async () => {
    const result = await compiledFor(MEMBER).query(
      undefined,
      fakeContext(() => MEMBER),
      {},
    );
    const data = result.data as Record<"a" | "b", { key: string; email: string | null; phones: unknown }>;
    assert.deepEqual(
      [data.a, data.b].map((node) => [node.key, node.email, node.phones]),
      [
        ["A1", "A1@example.org", [{ number: "+1 555 A1" }]],
        ["B2", null, null],
      ],
    );
  });

  it("hands over to type-graphql when the viewer changes roles mid-operation", async () => {
    // Decided for a member; by execution the connection's viewer is an admin (a renewal).
    const compiled = compiledFor(MEMBER);
    calls.clear();
    const result = await compiled.query(
      undefined,
      fakeContext(() => API_KEY_VIEWER),
      {},
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(json(result.data).syncRun, null);
    assert.equal(calls.get("Query.syncRun"), 1, "the admin query was checked by type-graphql for the current viewer");
  });

  it("leaves the schema's own resolvers in place after compiling", () => {
    const before = schema.getQueryType()!.getFields().syncRun!.resolve;
    compiledFor(MEMBER);
    assert.equal(schema.getQueryType()!.getFields().syncRun!.resolve, before);
    assert.ok(decided.size > 0);
  });
});

describe("the lean resolvers' middleware chain", () => {
  const data = { root: {}, args: {}, context: {}, info: {} } as ResolverData<object>;
  const deciding = (answer: "next" | "null" | "undefined-after-next"): MiddlewareFn<object> =>
    ((_data: ResolverData<object>, next: () => Promise<unknown>) => {
      if (answer === "null") return null;
      if (answer === "next") return next();
      next();
      return undefined;
    }) as unknown as MiddlewareFn<object>;

  it("stays synchronous while the middlewares and the method are", () => {
    let calls = 0;
    const method = () => {
      calls += 1;
      return "value";
    };
    assert.equal(runChain([deciding("next")], data, method), "value");
    assert.equal(runChain([deciding("next"), deciding("next")], data, method), "value");
    assert.equal(runChain([deciding("undefined-after-next")], data, method), "value", "an undefined answer is next's");
    assert.equal(runChain([deciding("null")], data, method), null);
    assert.equal(calls, 3, "a middleware that answers stops the chain");
  });

  it("hands back the method's promise, and waits for an async middleware", async () => {
    const loaded = Promise.resolve(["row"]);
    assert.equal(
      runChain([deciding("next")], data, () => loaded),
      loaded,
    );
    const awaiting: MiddlewareFn<object> = async (_data, next) => `${await next()}!`;
    const answer = runChain([awaiting, deciding("next")], data, () => "value");
    assert.ok(answer instanceof Promise);
    assert.equal(await answer, "value!");
    const silent: MiddlewareFn<object> = async (_data, next) => {
      await next();
    };
    assert.equal(await runChain([silent], data, () => Promise.resolve("late")), "late");
  });

  it("refuses a middleware that calls next twice, and passes throws on", async () => {
    const twice = ((_data: ResolverData<object>, next: () => unknown) => {
      next();
      return next();
    }) as unknown as MiddlewareFn<object>;
    assert.throws(() => runChain([twice], data, () => "value"), /next\(\) called multiple times/);
    const failing = () => {
      throw new Error("method failed");
    };
    assert.throws(() => runChain([deciding("next")], data, failing), /method failed/);
    const asyncTwice: MiddlewareFn<object> = async (_data, next) => {
      await next();
      return next();
    };
    await assert.rejects(Promise.resolve(runChain([asyncTwice], data, () => "value")), /next\(\) called multiple times/);
  });
});
