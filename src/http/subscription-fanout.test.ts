import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  GraphQLInt,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from "graphql";
import { filter } from "@graphql-yoga/subscription";
import { createPubSubBundle } from "../graph/pubsub";
import { createLogger } from "../observability/logger";
import { sharedSubscribe } from "./subscription-fanout";

interface Viewer {
  name: string;
  admin: boolean;
}

/** A schema with one subscription: `tick(min)` streams the pub/sub's ticks at or above `min`. */
function tickSchema(bundle: ReturnType<typeof createPubSubBundle>, calls: { resolved: number; listening: number }) {
  const Tick = new GraphQLObjectType({
    name: "Tick",
    fields: {
      seq: { type: GraphQLInt },
      secret: {
        type: GraphQLString,
        resolve: (tick: { seq: number }, _args, viewer: Viewer) => {
          if (!viewer.admin) throw new GraphQLError("FORBIDDEN");
          return `secret ${tick.seq} for ${viewer.name}`;
        },
      },
      resolvedAt: { type: GraphQLInt, resolve: () => calls.resolved },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: "Subscription",
      fields: {
        tick: {
          type: Tick,
          args: { min: { type: GraphQLInt } },
          subscribe: (_root, args: { min?: number | null }) => filtered(bundle.channel.subscribe("tick"), args.min ?? 0, calls),
          resolve: (tick: { seq: number }) => {
            calls.resolved += 1;
            return tick;
          },
        },
      },
    }),
  });
}

/** The pub/sub's stream, filtered as type-graphql filters (yoga's operator), counting who listens. */
function filtered(source: AsyncIterable<unknown>, min: number, calls: { listening: number }): AsyncIterable<unknown> {
  const inner = source[Symbol.asyncIterator]();
  calls.listening += 1;
  const counted: AsyncIterableIterator<unknown> = {
    next: () => inner.next(),
    return: async () => {
      calls.listening -= 1;
      return (await inner.return?.()) ?? { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => counted,
  };
  return filter((tick: unknown) => (tick as { seq: number }).seq >= min)(counted);
}

/** Shares by document text, variables and viewer name (what the gateway keys on, in small). */
const keyed = sharedSubscribe(
  (args) => `${args.document.loc?.source.body}|${JSON.stringify(args.variableValues)}|${(args.contextValue as Viewer).name}`,
);

async function subscriber(schema: GraphQLSchema, query: string, viewer: Viewer, variables?: Record<string, unknown>) {
  const args: ExecutionArgs = { schema, document: parse(query), contextValue: viewer, variableValues: variables };
  const stream = await keyed(args);
  assert.ok(Symbol.asyncIterator in stream, JSON.stringify(stream));
  return stream as AsyncGenerator<ExecutionResult>;
}

/** As the client reads it (graphql-js builds null-prototype objects). */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("subscription fan-out: one execution per event and share key", () => {
  const logger = createLogger("silent");

  it("executes an event once for subscribers with the same document and viewer, each still getting it", async () => {
    const bundle = createPubSubBundle(null, logger);
    const calls = { resolved: 0, listening: 0 };
    const schema = tickSchema(bundle, calls);
    const query = "subscription { tick { seq secret } }";
    const admins = await Promise.all([1, 2, 3].map(() => subscriber(schema, query, { name: "ada", admin: true })));
    const other = await subscriber(schema, query, { name: "bob", admin: true });
    const all = [...admins, other];
    const first = all.map((stream) => stream.next());
    await turn();
    bundle.channel.publish("tick", { seq: 1 });
    const results = await Promise.all(first);
    assert.deepEqual(
      results.map((step) => plain(step.value)),
      [
        ...admins.map(() => ({ data: { tick: { seq: 1, secret: "secret 1 for ada" } } })),
        { data: { tick: { seq: 1, secret: "secret 1 for bob" } } },
      ],
    );
    // Two share keys (ada's document, bob's): two executions, not four.
    assert.equal(calls.resolved, 2);
    await Promise.all(all.map((stream) => stream.return(undefined)));
  });

  it("keeps each subscriber's own filter and its own viewer's authorization", async () => {
    const bundle = createPubSubBundle(null, logger);
    const calls = { resolved: 0, listening: 0 };
    const schema = tickSchema(bundle, calls);
    const query = "subscription Ticks($min: Int) { tick(min: $min) { seq secret } }";
    const admin = await subscriber(schema, query, { name: "ada", admin: true });
    const member = await subscriber(schema, query, { name: "max", admin: false });
    const late = await subscriber(schema, query, { name: "ada", admin: true }, { min: 2 });
    const pending = [admin.next(), member.next(), late.next()];
    await turn();
    bundle.channel.publish("tick", { seq: 1 });
    bundle.channel.publish("tick", { seq: 2 });
    const [toAdmin, toMember, toLate] = await Promise.all(pending);
    assert.deepEqual(plain(toAdmin.value), { data: { tick: { seq: 1, secret: "secret 1 for ada" } } });
    assert.deepEqual(plain(toMember.value?.data), { tick: { seq: 1, secret: null } });
    assert.deepEqual(
      toMember.value?.errors?.map((error: GraphQLError) => error.message),
      ["FORBIDDEN"],
    );
    // The filtered subscriber skipped seq 1 and got seq 2, executed for it alone (its variables differ).
    assert.deepEqual(plain(toLate.value), { data: { tick: { seq: 2, secret: "secret 2 for ada" } } });
    await Promise.all([admin, member, late].map((stream) => stream.return(undefined)));
  });

  it("executes a payload object published again afresh, not from the first publication's result", async () => {
    const bundle = createPubSubBundle(null, logger);
    const calls = { resolved: 0, listening: 0 };
    const schema = tickSchema(bundle, calls);
    const stream = await subscriber(schema, "subscription { tick { seq resolvedAt } }", { name: "ada", admin: true });
    const payload = { seq: 7 };
    const first = stream.next();
    await turn();
    bundle.channel.publish("tick", payload);
    assert.deepEqual(plain((await first).value), { data: { tick: { seq: 7, resolvedAt: 1 } } });
    const second = stream.next();
    await turn();
    bundle.channel.publish("tick", payload);
    assert.deepEqual(plain((await second).value), { data: { tick: { seq: 7, resolvedAt: 2 } } });
    await stream.return(undefined);
  });

  it("releases the source at once when a subscriber that waits for an event unsubscribes", async () => {
    const bundle = createPubSubBundle(null, logger);
    const calls = { resolved: 0, listening: 0 };
    const schema = tickSchema(bundle, calls);
    const stream = await subscriber(schema, "subscription { tick { seq } }", { name: "ada", admin: true });
    const waiting = stream.next();
    await turn();
    assert.equal(calls.listening, 1);
    await stream.return(undefined);
    assert.equal(calls.listening, 0);
    assert.deepEqual(await waiting, { value: undefined, done: true });
  });
});
