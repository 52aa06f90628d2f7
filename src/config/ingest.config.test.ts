import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const PUSH_KEY = "p".repeat(24);
const SECRET = `whsec_${Buffer.from("a-secret-of-enough-bytes").toString("base64")}`;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ NODE_ENV: "test", ...env });
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
}

describe("ingest configuration", () => {
  it("is off by default, with a 1 MiB body limit", () => {
    const { ingest } = loadConfig({ NODE_ENV: "test" });
    assert.deepEqual(ingest.push.apiKeys, []);
    assert.deepEqual(ingest.webhook.secrets, []);
    assert.equal(ingest.push.maxBodyBytes, 1024 * 1024);
    assert.deepEqual(ingest.push.rateLimit, { points: 60, windowMs: 60_000 });
  });

  it("needs TENANT_CODE with push keys, long keys, whsec_ secrets and a unit on the window", () => {
    const problems = problemsOf({ PUSH_API_KEYS: `${PUSH_KEY},short`, WEBHOOK_SECRETS: "not-a-secret", PUSH_RATE_WINDOW: "60" });
    assert.ok(
      problems.some((p) => p.startsWith("TENANT_CODE is required")),
      problems.join("\n"),
    );
    assert.ok(problems.some((p) => p.startsWith("PUSH_API_KEYS entry 2 is shorter")));
    assert.ok(problems.some((p) => p.startsWith("WEBHOOK_SECRETS entry 1 is not a whsec_ secret")));
    assert.ok(problems.some((p) => p.startsWith("PUSH_RATE_WINDOW needs a unit")));
    assert.ok(!problems.join("\n").includes("not-a-secret"), "a secret is never echoed");
  });

  it("never logs keys or secrets", () => {
    const config = loadConfig({ NODE_ENV: "test", PUSH_API_KEYS: PUSH_KEY, TENANT_CODE: "ACME", WEBHOOK_SECRETS: SECRET });
    const logged = JSON.stringify(redactConfig(config));
    assert.ok(!logged.includes(PUSH_KEY) && !logged.includes(SECRET), logged);
    assert.match(logged, /"tenantCode":"ACME"/);
  });
});
