import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const LMS_KEY = "l".repeat(32);

describe("writeback and LMS key configuration", () => {
  it("sends immediately by default, where sync runs, and keeps LMS keys out of the logged copy", () => {
    const config = loadConfig({ NODE_ENV: "test", LMS_API_KEYS: LMS_KEY });
    assert.deepEqual(config.lmsApiKeys, [LMS_KEY]);
    assert.equal(config.writeback.mode, "immediate");
    assert.equal(config.writeback.enabled, true);
    assert.equal(loadConfig({ NODE_ENV: "test", SYNC_ENABLED: "false" }).writeback.enabled, false);
    assert.equal(loadConfig({ NODE_ENV: "test", SYNC_ENABLED: "false", WRITEBACK_ENABLED: "true" }).writeback.enabled, true);
    assert.ok(!JSON.stringify(redactConfig(config)).includes(LMS_KEY));
  });

  it("refuses a writeback lease the AMS timeout outlasts", () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: "test",
          AMS_SOURCE: "rest",
          AMS_URL: "http://127.0.0.1:1",
          AMS_API_KEY: "k",
          AMS_TIMEOUT: "10s",
          WRITEBACK_LEASE: "5s",
        }),
      /WRITEBACK_LEASE \(5000 ms\) must be longer than the AMS timeout \(10000 ms\)/,
    );
  });

  it("reads batch mode with its schedule", () => {
    const config = loadConfig({ NODE_ENV: "test", WRITEBACK_MODE: "batch", WRITEBACK_SCHEDULE: "nightly@4" });
    assert.deepEqual([config.writeback.mode, config.writeback.schedule], ["batch", { kind: "nightly", hour: 4 }]);
  });

  it("names a short LMS key (without echoing it), a bad schedule and a bare-number lease", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "test", LMS_API_KEYS: "short-secret", WRITEBACK_SCHEDULE: "3600", WRITEBACK_LEASE: "120" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(!error.message.includes("short-secret"));
        for (const name of ["LMS_API_KEYS entry 1", "WRITEBACK_SCHEDULE", "WRITEBACK_LEASE"]) {
          assert.ok(
            error.problems.some((problem) => problem.startsWith(name)),
            `${name} named in ${error.message}`,
          );
        }
        return true;
      },
    );
  });
});
