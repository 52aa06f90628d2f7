import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildGraphSchema, printContract } from "../src/graph/schema";

/** Rewrites schema/schema.graphql from the code: `npm run schema`. */
async function main(): Promise<void> {
  const schema = await buildGraphSchema({ pubSub: createPubSub() });
  const target = path.resolve(__dirname, "../../schema/schema.graphql");
  writeFileSync(target, printContract(schema));
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
