import { DemoAssociation } from "../../src/sources/demo/demo-association";
import { DemoSource } from "../../src/sources/demo/demo.source";
import { SystemClock } from "../../src/time/clock";
import { serveChild } from "../support/child-rpc";
import { RecordFileWriter } from "./record-file";
import type { GenerateResult } from "./write-path.types";

/**
 * Generates the demo association's records once, through the demo source's own fetch (faker,
 * then the wire form and its validation, as a refresh would see them), into a file both write
 * paths replay. Its timing is the source's cost per member, reported on its own.
 */
async function generate(request: { seed: number; members: number; file: string }): Promise<GenerateResult> {
  const association = new DemoAssociation({ seed: request.seed, members: request.members, clock: new SystemClock("UTC") });
  const source = new DemoSource(association);
  const writer = new RecordFileWriter(request.file);
  let ms = 0;
  try {
    for (let start = 0; start < request.members; start += source.maxBatchSize) {
      const keys = Array.from({ length: Math.min(source.maxBatchSize, request.members - start) }, (_, offset) =>
        association.keyAt(start + offset),
      );
      const started = performance.now();
      const fetched = await source.fetchMembers(keys);
      ms += performance.now() - started;
      if (fetched.members.length !== keys.length)
        throw new Error(`demo source returned ${fetched.members.length} of ${keys.length} records`);
      writer.append(fetched.members);
    }
  } finally {
    writer.close();
  }
  return { members: request.members, ms, bytes: writer.bytes };
}

serveChild({ generate });
