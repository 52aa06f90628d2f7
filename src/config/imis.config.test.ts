import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const IMIS = {
  NODE_ENV: "test",
  AMS_SOURCE: "imis",
  IMIS_URL: "https://members.example.org/",
  IMIS_USERNAME: "sync",
  IMIS_PASSWORD: "s3cret-pass",
};

describe("iMIS configuration", () => {
  it("reads the connection and its defaults", () => {
    const { source, sync } = loadConfig(IMIS);
    assert.equal(source.kind, "imis");
    if (source.kind !== "imis") return;
    assert.deepEqual(
      [
        source.imis.url,
        source.imis.username,
        source.imis.timeoutMs,
        source.imis.pageSize,
        source.imis.batchSize,
        source.imis.tokenRefreshMarginMs,
      ],
      ["https://members.example.org", "sync", 30_000, 100, 50, 60_000],
    );
    assert.deepEqual(source.imis.groupRules, [
      { groupClass: "Committee", target: { kind: "community", type: "Committee", subType: null } },
      { groupClass: "Chapter", target: { kind: "community", type: "Chapter", subType: null } },
    ]);
    assert.deepEqual(
      [
        source.imis.memberTypeAttribute,
        source.imis.paidThroughAttribute,
        source.imis.joinDateAttribute,
        source.imis.staffTypes,
        source.imis.activeStatuses,
      ],
      ["CustomerTypeCode", "PaidThruDate", "JoinDate", ["STAFF"], ["A", "Active"]],
    );
    assert.equal(sync.refreshIntervalMs, 30 * 60_000, "a real AMS is polled every half hour");
  });

  it("reads group-class rules, units and lists", () => {
    const { source } = loadConfig({
      ...IMIS,
      IMIS_GROUP_TYPES: "COMMITTEE:Committee, SIG:Special Interest Group/Regional, Access Group:security",
      IMIS_TIMEOUT: "5s",
      IMIS_PAGE_SIZE: "500",
      IMIS_STAFF_TYPES: "STF, EMP",
      IMIS_PAID_THROUGH_ATTRIBUTE: "RenewedThruDate",
    });
    if (source.kind !== "imis") return assert.fail("expected imis");
    assert.deepEqual(source.imis.groupRules, [
      { groupClass: "COMMITTEE", target: { kind: "community", type: "Committee", subType: null } },
      { groupClass: "SIG", target: { kind: "community", type: "Special Interest Group", subType: "Regional" } },
      { groupClass: "Access Group", target: { kind: "security" } },
    ]);
    assert.deepEqual(
      [source.imis.timeoutMs, source.imis.pageSize, source.imis.staffTypes, source.imis.paidThroughAttribute],
      [5_000, 500, ["STF", "EMP"], "RenewedThruDate"],
    );
  });

  it("names every missing or bad variable, never the password", () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: "test",
          AMS_SOURCE: "imis",
          IMIS_PAGE_SIZE: "5000",
          IMIS_GROUP_TYPES: "Committee",
          IMIS_PASSWORD: "s3cret-pass",
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const name of ["IMIS_URL", "IMIS_USERNAME", "IMIS_PAGE_SIZE", "IMIS_GROUP_TYPES"]) {
          assert.ok(
            error.problems.some((problem) => problem.startsWith(name)),
            `${name} named in ${error.message}`,
          );
        }
        assert.doesNotMatch(error.message, /s3cret-pass/);
        return true;
      },
    );
  });

  it("redacts the password (and any in the URL) for logging", () => {
    const shown = JSON.stringify(redactConfig(loadConfig({ ...IMIS, IMIS_URL: "https://proxy:hunter2@members.example.org" })));
    assert.doesNotMatch(shown, /s3cret-pass|hunter2/);
    assert.match(shown, /"username":"sync"/);
  });
});
