import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../observability/logger";
import { PersonifyODataClient } from "./personify-odata.client";
import { allOf, anyKey, chunkKeys, encodedLength } from "./personify-odata.query";

const client = new PersonifyODataClient(
  { url: "https://pds.example.org/svc", username: "u", password: "p", timeoutMs: 1_000, retries: 0, retryBaseMs: 0, pageSize: 500 },
  { logger: createLogger("silent") },
);

describe("Personify key batches", () => {
  const keys = ["000000101", "O'Brien", "Zoë 42", "a&b=c", ...Array.from({ length: 60 }, (_, index) => `K${index}`)];
  const query = (run: readonly string[]) => ({
    filter: allOf(["RecordType eq 'I'", "SubCustomerId eq 0", anyKey("MasterCustomerId", run)]),
    select: ["MasterCustomerId", "ModDate"],
  });
  const urlFor = (run: readonly string[]) => client.urlLength("Customers", query(run));
  const added = (key: string) => encodedLength(` or ${anyKey("MasterCustomerId", [key])}`);

  it("keeps every request within the URL length and the key count, measuring exactly what is sent", () => {
    for (const maxUrlLength of [300, 600, 2_048]) {
      const runs = chunkKeys(keys, 25, maxUrlLength, urlFor, added);
      assert.deepEqual(runs.flat(), keys, "every key once, in order");
      for (const run of runs) {
        assert.ok(run.length <= 25);
        assert.ok(urlFor(run) <= maxUrlLength, `${urlFor(run)} > ${maxUrlLength}`);
      }
      // Greedy: a run ends only because the next key would not fit.
      for (const [index, run] of runs.slice(0, -1).entries()) {
        const grown = [...run, runs[index + 1]![0]!];
        assert.ok(grown.length > 25 || urlFor(grown) > maxUrlLength);
      }
    }
  });

  it("a key too long to fit alone still gets its own run", () => {
    const huge = "X".repeat(400);
    assert.deepEqual(chunkKeys(["A", huge, "B"], 10, 300, urlFor, added), [["A"], [huge], ["B"]]);
  });
});
