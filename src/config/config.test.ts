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

  it("refuses a duration without a unit, naming the variable and suggesting one", () => {
    assert.throws(() => loadConfig({ NODE_ENV: "test", REFRESH_INTERVAL: "1800", SESSION_TTL: "900" }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const [interval, ttl] = ["REFRESH_INTERVAL", "SESSION_TTL"].map((name) => error.problems.find((problem) => problem.startsWith(name)));
      assert.match(interval ?? "", /needs a unit/);
      assert.match(interval ?? "", /"1800s"/);
      assert.match(ttl ?? "", /"900s"/);
      return true;
    });
    assert.equal(loadConfig({ NODE_ENV: "test", REFRESH_INTERVAL: "1800s" }).sync.refreshIntervalMs, 1_800_000);
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
});
