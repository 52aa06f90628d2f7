import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const LONG_KEY = "k".repeat(32);

describe("loadConfig", () => {
  it("has working defaults: port 4000 and the embedded database", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    assert.equal(config.port, 4000);
    assert.deepEqual(config.database, { kind: "sqlite", file: "data/amsgate.sqlite" });
    assert.deepEqual(config.adminApiKeys, { keys: [], generated: false });
  });

  it("names every bad variable at once", () => {
    const attempt = () =>
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", DATABASE_URL: "postgres://x", SHUTDOWN_GRACE: "soon", ASSOCIATION_TIME_ZONE: "Mars/Base" });
    assert.throws(attempt, (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL", "SHUTDOWN_GRACE", "ASSOCIATION_TIME_ZONE"]) {
        assert.ok(error.problems.some((problem) => problem.startsWith(name)), `${name} named in ${error.message}`);
      }
      return true;
    });
  });

  it("never echoes a secret in its complaints", () => {
    assert.throws(() => loadConfig({ ADMIN_API_KEYS: "short-secret" }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.doesNotMatch(error.message, /short-secret/);
      return true;
    });
  });

  it("generates one admin key in development only", () => {
    const development = loadConfig({ NODE_ENV: "development" });
    assert.equal(development.adminApiKeys.generated, true);
    assert.equal(development.adminApiKeys.keys.length, 1);
    assert.equal(loadConfig({ NODE_ENV: "production" }).adminApiKeys.keys.length, 0);
    assert.deepEqual(loadConfig({ NODE_ENV: "development", ADMIN_API_KEYS: `${LONG_KEY}, ${LONG_KEY}x` }).adminApiKeys, {
      keys: [LONG_KEY, `${LONG_KEY}x`],
      generated: false,
    });
  });

  it("redacts secrets for logging", () => {
    const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: "mysql://app:hunter2@db:3306/amsgate", ADMIN_API_KEYS: LONG_KEY });
    const shown = JSON.stringify(redactConfig(config));
    assert.doesNotMatch(shown, /hunter2/);
    assert.doesNotMatch(shown, new RegExp(LONG_KEY));
    assert.match(shown, /mysql:\/\/app:\*\*\*@db:3306\/amsgate/);
  });

  it("refuses a refresh lease that cannot outlive one AMS answer", () => {
    const env = { NODE_ENV: "test", AMS_SOURCE: "rest", AMS_URL: "http://127.0.0.1:1", AMS_API_KEY: "k", AMS_TIMEOUT: "30s" };
    assert.throws(() => loadConfig({ ...env, REFRESH_LEASE: "10s" }), /REFRESH_LEASE \(10000 ms\) must be longer than the AMS timeout \(30000 ms\)/);
    assert.equal(loadConfig({ ...env, REFRESH_LEASE: "31s" }).sync.leaseMs, 31_000);
  });
});
