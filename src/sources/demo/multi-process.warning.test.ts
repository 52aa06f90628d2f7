import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demoMultiProcessWarning } from "./multi-process.warning";

describe("demoMultiProcessWarning", () => {
  const config = (source: string, redisUrl: string | null, database: "mysql" | "sqlite") => ({
    source: { kind: source },
    redisUrl,
    database: { kind: database },
  });

  it("warns when the demo source runs where several processes are likely", () => {
    assert.match(
      demoMultiProcessWarning(config("demo", "redis://r:6379", "sqlite")) ?? "",
      /REDIS_URL is set.*npm run demo-ams.*AMS_SOURCE=rest/,
    );
    assert.match(demoMultiProcessWarning(config("demo", null, "mysql")) ?? "", /the database is MySQL/);
    assert.match(demoMultiProcessWarning(config("demo", "redis://r:6379", "mysql")) ?? "", /REDIS_URL is set and the database is MySQL/);
  });

  it("stays quiet for the single-process quick start and for a shared AMS", () => {
    assert.equal(demoMultiProcessWarning(config("demo", null, "sqlite")), undefined);
    assert.equal(demoMultiProcessWarning(config("rest", "redis://r:6379", "mysql")), undefined);
  });
});
