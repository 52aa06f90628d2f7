import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig } from "./config";

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail("expected a ConfigError");
};

describe("PURCHASE_RULES", () => {
  it("reads a rule book from JSON, with default statuses and rule names falling back to keys", () => {
    const rules = loadConfig({
      PURCHASE_RULES: JSON.stringify([{ productCode: "JOURNAL-SUB", securityGroup: { key: "READERS" } }]),
    }).sync.rules.purchases;
    assert.deepEqual(rules, {
      statuses: ["Active", "Paid", "Complete", "Completed"],
      rules: [{ productCode: "JOURNAL-SUB", statuses: [], grant: { kind: "SECURITY_GROUP", key: "READERS", name: "READERS" } }],
    });
  });

  it("reads a rule book from a file path", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "amsgate-rules-")), "rules.json");
    writeFileSync(
      file,
      JSON.stringify({
        statuses: ["A"],
        rules: [{ productCode: "SIG", community: { key: "SIG-1", name: "Interest", type: "Special Interest Group" } }],
      }),
    );
    const rules = loadConfig({ PURCHASE_RULES: file }).sync.rules.purchases;
    assert.deepEqual(rules.statuses, ["A"]);
    assert.deepEqual(rules.rules[0]!.grant, { kind: "COMMUNITY", key: "SIG-1", name: "Interest", type: "Special Interest Group" });
  });

  it("is empty when unset", () => {
    assert.deepEqual(loadConfig({}).sync.rules.purchases.rules, []);
  });

  it("names what is wrong: bad JSON, a rule granting both or neither, an unknown field, a missing file", () => {
    assert.match(problemsOf({ PURCHASE_RULES: "[{" }), /PURCHASE_RULES is not JSON/);
    assert.match(
      problemsOf({ PURCHASE_RULES: JSON.stringify([{ productCode: "X", community: { key: "C" }, securityGroup: { key: "G" } }]) }),
      /PURCHASE_RULES 0: each rule names exactly one of community or securityGroup/,
    );
    assert.match(problemsOf({ PURCHASE_RULES: JSON.stringify([{ productCode: "X" }]) }), /exactly one of community or securityGroup/);
    assert.match(problemsOf({ PURCHASE_RULES: JSON.stringify([{ productCode: "X", group: { key: "G" } }]) }), /PURCHASE_RULES 0/);
    assert.match(problemsOf({ PURCHASE_RULES: JSON.stringify({ rules: [{ securityGroup: { key: "G" } }] }) }), /rules\.0\.productCode/);
    assert.match(problemsOf({ PURCHASE_RULES: "./no-such-rules.json" }), /neither JSON nor a readable file \(ENOENT/);
  });
});
