import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { createPubSub } from "@graphql-yoga/subscription";
import { isUnionType } from "graphql";
import { toSubgraphSchema } from "../src/graph/federation/subgraph-schema";
import { buildGraphSchema, printContract } from "../src/graph/schema";

const CONTRACT = path.resolve(__dirname, "../../schema/schema.graphql");

it("schema/schema.graphql is exactly what the code emits (run `npm run schema` after a change)", async () => {
  const emitted = printContract(await buildGraphSchema({ pubSub: createPubSub() }));
  const committed = readFileSync(CONTRACT, "utf8");
  if (emitted !== committed) {
    const emittedLines = emitted.split("\n");
    const committedLines = committed.split("\n");
    const line = emittedLines.findIndex((text, index) => text !== committedLines[index]);
    assert.fail(
      `schema/schema.graphql has drifted from the code at line ${line + 1}:\n` +
        `  committed: ${committedLines[line] ?? "(end of file)"}\n  emitted:   ${emittedLines[line] ?? "(end of file)"}\n` +
        "Run `npm run schema` and commit the result.",
    );
  }
});

it("the contract is a valid Federation 2 subgraph with the four entities", async () => {
  const schema = await buildGraphSchema({ pubSub: createPubSub() });
  const subgraph = toSubgraphSchema(schema, printContract(schema));
  const entity = subgraph.getType("_Entity");
  assert.ok(isUnionType(entity));
  assert.deepEqual(
    entity
      .getTypes()
      .map((type) => type.name)
      .sort(),
    ["Community", "Event", "Member", "SecurityGroup"],
  );
  assert.ok(subgraph.getSubscriptionType(), "subscriptions are still served");
});
