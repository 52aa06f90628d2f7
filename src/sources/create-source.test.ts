import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../config/config";
import type { ImisSourceConfig } from "../config/imis.config";
import { createLogger } from "../observability/logger";
import { ManualClock } from "../time/clock";
import { createSource } from "./create-source";
import type { IntervalTimers } from "./demo/change-simulator";
import { DemoSource } from "./demo/demo.source";
import { PersonifySource } from "./personify/personify.source";
import { DEFAULT_PERSONIFY_MAPPING } from "./personify/personify-mapping.defaults";
import { ImisSource } from "./imis/imis.source";
import { RestSource } from "./rest/rest.source";
import { seededRandom } from "../../test/support/scripted-random";

const logger = createLogger("silent");
const clock = new ManualClock("2026-11-01T12:00:00Z");

describe("createSource", () => {
  it("builds the demo source with its change simulator running until close", async () => {
    const callbacks = new Map<number, () => void>();
    let next = 0;
    const timers: IntervalTimers = {
      setInterval: (callback) => {
        callbacks.set(++next, callback);
        return next;
      },
      clearInterval: (handle) => void callbacks.delete(handle as number),
    };
    const source = createSource(
      { kind: "demo", demo: { seed: 1, members: 50, changeIntervalMs: 10_000, changesPerTick: 2 } },
      { clock, logger, random: seededRandom(5), timers },
    );
    assert.ok(source instanceof DemoSource);
    assert.equal(callbacks.size, 1, "the simulator is scheduled");
    clock.advance(1_000);
    [...callbacks.values()][0]!();
    const changed = [...source.association.changes(clock.now())];
    assert.ok(changed.length >= 1, "a tick edited members");
    await source.close?.();
    assert.equal(callbacks.size, 0, "close stops the simulator");
  });

  it("builds the REST source", async () => {
    const source = createSource(
      { kind: "rest", rest: { url: "http://127.0.0.1:9", apiKey: "k", timeoutMs: 100, retries: 0, retryBaseMs: 0 } },
      { clock, logger },
    );
    assert.ok(source instanceof RestSource);
    assert.equal(source.maxBatchSize, 100);
  });

  it("builds the Personify source, with credential sign-on only when its service is configured", async () => {
    const personify = {
      url: "http://127.0.0.1:9/svc",
      username: "u",
      password: "p",
      orgId: null,
      orgUnitId: null,
      mappingFile: null,
      mapping: DEFAULT_PERSONIFY_MAPPING,
      timeoutMs: 100,
      retries: 0,
      retryBaseMs: 0,
      pageSize: 10,
      batchSize: 25,
      maxUrlLength: 2_048,
      staffMemberTypes: ["STAFF"],
      signOn: null,
    };
    const source = createSource({ kind: "personify", personify }, { clock, logger });
    assert.ok(source instanceof PersonifySource);
    assert.deepEqual([source.name, source.maxBatchSize, source.authenticate], ["personify", 25, undefined]);
    const signOn = { serviceUrl: "http://127.0.0.1:9/sso", vendorUsername: "v", vendorPassword: "vp", timeoutMs: 100, emailLookup: true };
    assert.equal(
      typeof createSource({ kind: "personify", personify: { ...personify, signOn } }, { clock, logger }).authenticate,
      "function",
    );
  });

  it("builds the iMIS source, its batch size from the configuration", async () => {
    const { imis } = loadConfig({
      NODE_ENV: "test",
      AMS_SOURCE: "imis",
      IMIS_URL: "http://127.0.0.1:9",
      IMIS_USERNAME: "u",
      IMIS_PASSWORD: "p",
      IMIS_BATCH_SIZE: "25",
    }).source as { imis: ImisSourceConfig };
    const source = createSource({ kind: "imis", imis }, { clock, logger });
    assert.ok(source instanceof ImisSource);
    assert.equal(source.maxBatchSize, 25);
  });
});
