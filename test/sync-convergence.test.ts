import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../src/config/config";
import { RefreshFailureEntity, RefreshQueueEntity } from "../src/db/entities";
import { createSource } from "../src/sources/create-source";
import { AmsHttpServer } from "../src/sources/demo/ams-http.server";
import { DemoAssociation } from "../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../src/sources/demo/demo-dataset";
import { RestSource } from "../src/sources/rest/rest.source";
import { ManualClock } from "../src/time/clock";
import { dumpCache } from "./support/cache-dump";
import { sqliteConfig } from "./support/database";
import { QUIET, startSyncHarness, type SyncHarness } from "./support/sync-harness";

const SEED = "7";
const MEMBERS = "150";
const START = "2026-11-23T12:00:00.000Z";

/** A seeded generator, so the injected faults are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("the REST source against the demo AMS converges to the in-process demo's cache", () => {
  let reference: Record<string, unknown[]>;

  before(async () => {
    // The in-process demo source into MariaDB: the reference cache.
    const config = loadConfig({ NODE_ENV: "test", DEMO_SEED: SEED, DEMO_MEMBERS: MEMBERS, DEMO_CHANGE_INTERVAL: "0" });
    const clock = new ManualClock(START);
    const source = createSource(config.source, { clock, logger: QUIET });
    const harness = await startSyncHarness(source, { clock });
    try {
      await harness.engine.internals.poller.pollMembers("PERIODIC");
      await harness.engine.internals.eventPoller.poll();
      await harness.engine.drainQueue();
      reference = await dumpCache(harness.database.dataSource);
    } finally {
      await harness.close();
    }
    assert.equal(reference.members!.length, 150);
    assert.ok(reference.communityMemberships!.length > 50 && reference.events!.length > 0);
  });

  async function viaHttp(faults: {
    faultRate: number;
    malformedRate: number;
  }): Promise<{ dump: Record<string, unknown[]>; harness: SyncHarness; server: AmsHttpServer; polls: number }> {
    const clock = new ManualClock(START);
    const association = new DemoAssociation({ seed: Number(SEED), members: Number(MEMBERS), clock });
    const server = new AmsHttpServer(new DemoAmsDataset(association), {
      apiKey: "demo-ams-key",
      pageSize: 40,
      random: seeded(42),
      ...faults,
    });
    const url = await server.listen(0);
    const source = new RestSource({ url, apiKey: "demo-ams-key", timeoutMs: 250, retries: 2, retryBaseMs: 0 }, { logger: QUIET });
    const file = path.join(mkdtempSync(path.join(tmpdir(), "amsgate-converge-")), "cache.sqlite");
    const harness = await startSyncHarness(source, {
      clock,
      database: sqliteConfig(file),
      env: { REFRESH_MAX_ATTEMPTS: "30", REFRESH_BACKOFF_BASE: "1s", REFRESH_BACKOFF_MAX: "10s", REFRESH_BATCH_SIZE: "25" },
    });
    // Polls fail now and then under faults (the cursor stays; the next poll replays); members
    // fail and back off. Keep going, moving the clock past back-offs, until nothing is left.
    let polls = 0;
    const queue = harness.database.dataSource.getRepository(RefreshQueueEntity);
    for (let round = 0; round < 60; round += 1) {
      const members = await harness.engine.internals.poller.pollMembers("PERIODIC");
      const events = await harness.engine.internals.eventPoller.poll();
      polls += 1;
      await harness.engine.drainQueue();
      const settled = members?.status !== "FAILED" && events?.status !== "FAILED" && (await queue.count()) === 0;
      if (settled && round > 0) break;
      clock.advance(15_000);
    }
    return { dump: await dumpCache(harness.database.dataSource), harness, server, polls };
  }

  it("with a clean AMS, over HTTP, into embedded SQLite", async () => {
    const { dump, harness, server } = await viaHttp({ faultRate: 0, malformedRate: 0 });
    try {
      assert.deepEqual(dump, reference);
    } finally {
      await harness.close();
      await server.close();
    }
  });

  it("with 10% of requests failing and 10% of records malformed", async () => {
    const { dump, harness, server, polls } = await viaHttp({ faultRate: 0.1, malformedRate: 0.1 });
    try {
      assert.ok(
        server.stats.unavailable + server.stats.hung > 0 && server.stats.malformed > 0,
        `faults were injected: ${JSON.stringify(server.stats)}`,
      );
      assert.equal(await harness.database.dataSource.getRepository(RefreshFailureEntity).count(), 0, "nothing dead-lettered");
      assert.deepEqual(dump, reference);
      assert.ok(polls >= 2);
    } finally {
      await harness.close();
      await server.close();
    }
  });
});

after(() => undefined);
