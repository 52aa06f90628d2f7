import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { createPubSub } from "@graphql-yoga/subscription";
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
