import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const GATEWAY_KEY = "g".repeat(24);
const IDENTITY_KEY = "i".repeat(32);

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ NODE_ENV: "test", ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
};

describe("federation configuration", () => {
  it("opens _service outside production only while no gateway key is set", () => {
    assert.equal(loadConfig({ NODE_ENV: "test" }).federation.serviceOpen, true);
    assert.equal(loadConfig({ NODE_ENV: "test", FEDERATION_GATEWAY_KEYS: GATEWAY_KEY }).federation.serviceOpen, false);
    const production = loadConfig({ NODE_ENV: "production", AMS_SOURCE: "demo", ADMIN_API_KEYS: "a".repeat(24) });
    assert.equal(production.federation.serviceOpen, false);
  });

  it("refuses short gateway keys, bad subgraph entries, and subgraphs without an identity key", () => {
    assert.match(problemsOf({ FEDERATION_GATEWAY_KEYS: "short" }).join(), /FEDERATION_GATEWAY_KEYS entry 1 is shorter/);
    for (const entry of ["lms", "lms=ftp://x", "amsgate=http://127.0.0.1:1/", "9lms=http://127.0.0.1:1/"]) {
      assert.match(
        problemsOf({ FEDERATION_SUBGRAPHS: entry, FEDERATION_IDENTITY_KEY: IDENTITY_KEY }).join(),
        /FEDERATION_SUBGRAPHS entries/,
        entry,
      );
    }
    assert.match(problemsOf({ FEDERATION_SUBGRAPHS: "lms=http://127.0.0.1:4001/" }).join(), /FEDERATION_IDENTITY_KEY/);
  });

  it("reads the built-in gateway and never logs its keys", () => {
    const config = loadConfig({
      NODE_ENV: "test",
      FEDERATION_GATEWAY_KEYS: GATEWAY_KEY,
      FEDERATION_SUBGRAPHS: "lms=http://127.0.0.1:4001/, billing=https://billing.example.org/graphql",
      FEDERATION_IDENTITY_KEY: IDENTITY_KEY,
      FEDERATION_IDENTITY_TTL: "30s",
      FEDERATION_COMPOSE_INTERVAL: "10m",
    });
    assert.deepEqual(config.federation.gateway, {
      subgraphs: [
        { name: "lms", url: "http://127.0.0.1:4001/" },
        { name: "billing", url: "https://billing.example.org/graphql" },
      ],
      identityKey: IDENTITY_KEY,
      identityTtlMs: 30_000,
      composeIntervalMs: 600_000,
    });
    const logged = JSON.stringify(redactConfig(config));
    assert.ok(!logged.includes(GATEWAY_KEY) && !logged.includes(IDENTITY_KEY), logged);
  });
});
