import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";
import { defaultPubSubNamespace } from "./operations.config";

describe("operations configuration", () => {
  it("derives the pub/sub namespace from the database, never from its credentials", () => {
    const mysql = (url: string) => defaultPubSubNamespace({ kind: "mysql", url });
    const base = mysql("mysql://app:one@db.example.org:3306/amsgate");
    assert.match(base, /^db-[0-9a-f]{12}$/);
    assert.equal(mysql("mysql://other:two@DB.example.org/amsgate"), base, "same host, port and database: same namespace");
    assert.notEqual(mysql("mysql://app:one@db.example.org:3306/amsgate_staging"), base);
    assert.notEqual(mysql("mysql://app:one@db.example.org:3307/amsgate"), base);
    assert.notEqual(mysql("mysql://app:one@db2.example.org:3306/amsgate"), base);
    assert.notEqual(
      defaultPubSubNamespace({ kind: "sqlite", file: "data/a.sqlite" }),
      defaultPubSubNamespace({ kind: "sqlite", file: "data/b.sqlite" }),
    );
    const config = loadConfig({ NODE_ENV: "test", DATABASE_URL: "mysql://app:hunter2@db.example.org:3306/amsgate" });
    assert.equal(config.operations.pubsubNamespace, base);
    assert.doesNotMatch(config.operations.pubsubNamespace, /hunter2/);
  });

  it("takes PUBSUB_NAMESPACE as given, and refuses one that would break a channel name", () => {
    assert.equal(loadConfig({ NODE_ENV: "test", PUBSUB_NAMESPACE: "acme-prod" }).operations.pubsubNamespace, "acme-prod");
    assert.throws(
      () => loadConfig({ NODE_ENV: "test", PUBSUB_NAMESPACE: "a:b" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.problems.some((problem) => problem.startsWith("PUBSUB_NAMESPACE")));
        return true;
      },
    );
  });

  // Production refuses to start without a chosen source and an admin key.
  const PRODUCTION = { NODE_ENV: "production", AMS_SOURCE: "demo", ADMIN_API_KEYS: "an-admin-key-of-24-characters" };

  it("protects /metrics on loopback in production unless a token is set, and never shows the token", () => {
    assert.deepEqual(loadConfig({ ...PRODUCTION }).operations.metrics, { token: null, loopbackOnly: true });
    assert.deepEqual(loadConfig({ NODE_ENV: "development" }).operations.metrics, { token: null, loopbackOnly: false });
    const token = "metrics-token-0123456789";
    const withToken = loadConfig({ ...PRODUCTION, METRICS_TOKEN: token });
    assert.deepEqual(withToken.operations.metrics, { token, loopbackOnly: false });
    assert.doesNotMatch(JSON.stringify(redactConfig(withToken)), new RegExp(token));
    assert.throws(() => loadConfig({ METRICS_TOKEN: "short" }), /METRICS_TOKEN must be at least 16/);
  });

  it("allows three refresh intervals of poll lag by default", () => {
    assert.equal(loadConfig({ NODE_ENV: "test", REFRESH_INTERVAL: "10m" }).operations.readiness.maxPollLagMs, 30 * 60_000);
    assert.equal(loadConfig({ NODE_ENV: "test", READINESS_MAX_POLL_LAG: "2h" }).operations.readiness.maxPollLagMs, 2 * 60 * 60_000);
  });
});
