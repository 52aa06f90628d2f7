import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const LONG_KEY = "k".repeat(32);
const PSK = `site:${"a1".repeat(32)}`;
const SIGNING = `s1:${"b2".repeat(32)}`;

describe("loadConfig", () => {
  it("has working defaults: port 4000 and the embedded database", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    assert.equal(config.port, 4000);
    assert.deepEqual(config.database, { kind: "sqlite", file: "data/amsgate.sqlite" });
    assert.deepEqual(config.adminApiKeys, { keys: [], generated: false });
  });

  it("refuses a session-variable provider whose resolver is not configured", () => {
    const base = { NODE_ENV: "test", AUTH_PUBLIC_URL: "https://gateway.example.org", SSO_RETURN_URL_ALLOWLIST: "https://app.example.org/" };
    assert.throws(
      () =>
        loadConfig({
          ...base,
          REDIRECT_PROVIDERS: "site,ams",
          REDIRECT_SITE_RESOLVE: "preshared-key",
          REDIRECT_SITE_LOGIN_URL: "https://www.association.example/login",
          REDIRECT_AMS_RESOLVE: "web-service",
          REDIRECT_AMS_LOGIN_URL: "https://www.association.example/login",
        }),
      (error: Error) =>
        /REDIRECT_SITE_RESOLVE=preshared-key needs SSO_PRESHARED_KEYS/.test(error.message) &&
        /REDIRECT_AMS_RESOLVE=web-service needs SSO_WEB_SERVICE_ENABLED=true/.test(error.message),
    );
  });

  it("names every bad variable at once", () => {
    const attempt = () =>
      loadConfig({
        PORT: "eighty",
        LOG_LEVEL: "loud",
        DATABASE_URL: "postgres://x",
        SHUTDOWN_GRACE: "soon",
        ASSOCIATION_TIME_ZONE: "Mars/Base",
      });
    assert.throws(attempt, (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL", "SHUTDOWN_GRACE", "ASSOCIATION_TIME_ZONE"]) {
        assert.ok(
          error.problems.some((problem) => problem.startsWith(name)),
          `${name} named in ${error.message}`,
        );
      }
      return true;
    });
  });

  it("refuses a duration without a unit, naming the variable and suggesting one", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "test", REFRESH_INTERVAL: "1800", SESSION_TTL: "900" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const [interval, ttl] = ["REFRESH_INTERVAL", "SESSION_TTL"].map((name) =>
          error.problems.find((problem) => problem.startsWith(name)),
        );
        assert.match(interval ?? "", /needs a unit/);
        assert.match(interval ?? "", /"1800s"/);
        assert.match(ttl ?? "", /"900s"/);
        return true;
      },
    );
    assert.equal(loadConfig({ NODE_ENV: "test", REFRESH_INTERVAL: "1800s" }).sync.refreshIntervalMs, 1_800_000);
  });

  it("never echoes a secret in its complaints", () => {
    assert.throws(
      () => loadConfig({ ADMIN_API_KEYS: "short-secret" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.doesNotMatch(error.message, /short-secret/);
        return true;
      },
    );
  });

  it("generates one admin key in development only", () => {
    const development = loadConfig({ NODE_ENV: "development" });
    assert.equal(development.adminApiKeys.generated, true);
    assert.equal(development.adminApiKeys.keys.length, 1);
    assert.equal(
      loadConfig({
        NODE_ENV: "production",
        AMS_SOURCE: "demo",
        SYNC_ADMIN_GROUPS: "Admins",
        SSO_PRESHARED_KEYS: PSK,
        SESSION_SIGNING_KEYS: SIGNING,
      }).adminApiKeys.keys.length,
      0,
    );
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
    assert.throws(
      () => loadConfig({ ...env, REFRESH_LEASE: "10s" }),
      /REFRESH_LEASE \(10000 ms\) must be longer than the AMS timeout \(30000 ms\)/,
    );
    assert.equal(loadConfig({ ...env, REFRESH_LEASE: "31s" }).sync.leaseMs, 31_000);
  });
});

describe("loadConfig in production", () => {
  const refusal = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ NODE_ENV: "production", ...env });
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    assert.fail("production started on these settings");
  };

  it("refuses the defaults: no AMS chosen and no admin, both named at once", () => {
    const problems = refusal({});
    assert.ok(
      problems.some((problem) => /^AMS_SOURCE/.test(problem) && /AMS_SOURCE=rest/.test(problem) && /AMS_SOURCE=demo/.test(problem)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((problem) => /^ADMIN_API_KEYS/.test(problem) && /SYNC_ADMIN_GROUPS/.test(problem)),
      problems.join("\n"),
    );
  });

  it("refuses an admin group that no sign-on method can reach", () => {
    const problems = refusal({ AMS_SOURCE: "demo", SYNC_ADMIN_GROUPS: "Admins" });
    assert.ok(
      problems.some((problem) => /^ADMIN_API_KEYS/.test(problem)),
      problems.join("\n"),
    );
  });

  it("starts on a real source with an admin key", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      AMS_SOURCE: "rest",
      AMS_URL: "https://ams.example.org",
      AMS_API_KEY: "k",
      ADMIN_API_KEYS: LONG_KEY,
    });
    assert.equal(config.source.kind, "rest");
  });

  it("starts on the demo when it is chosen explicitly", () => {
    assert.equal(loadConfig({ NODE_ENV: "production", AMS_SOURCE: "demo", ADMIN_API_KEYS: LONG_KEY }).source.kind, "demo");
  });

  it("starts with an admin sign-on instead of an admin key", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      AMS_SOURCE: "demo",
      SYNC_ADMIN_GROUPS: "Admins",
      SSO_PRESHARED_KEYS: PSK,
      SESSION_SIGNING_KEYS: SIGNING,
    });
    assert.deepEqual(config.sync.rules.adminGroups, ["Admins"]);
  });

  it("keeps the development defaults working", () => {
    assert.equal(loadConfig({}).source.kind, "demo");
  });
});
