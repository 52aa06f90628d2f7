import assert from "node:assert/strict";
import { existsSync, mkdtempSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { type RunningGateway, startGateway } from "./support/child-process";

const env = (file: string) => ({ PORT: "0", NODE_ENV: "development", SQLITE_FILE: file, SYNC_ENABLED: "false", DEMO_MEMBERS: "20" });

/** The refusal's text, or a failure when the gateway started after all (then it is stopped). */
async function refusal(file: string): Promise<string> {
  const outcome = await startGateway(env(file)).then(
    async (gateway: RunningGateway) => {
      gateway.child.kill("SIGKILL");
      await gateway.exited;
      return undefined;
    },
    (error: Error) => error.message,
  );
  assert.ok(outcome !== undefined, "a second process started on the same SQLite file");
  return outcome;
}

describe("one process per SQLite file", () => {
  it("refuses a second process on the same file, naming it; releases on stop; a killed holder's lock expires", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "amsgate-lock-")), "cache.sqlite");
    const lock = `${file}.lock`;
    const first = await startGateway(env(file));
    try {
      assert.ok(existsSync(lock), "the lock is taken while the gateway runs");
      const refused = await refusal(file);
      assert.match(refused, /exited with 1/);
      assert.ok(refused.includes(`SQLite file ${file} is in use by another process`), refused);
      assert.match(refused, /DATABASE_URL/);
      assert.doesNotMatch(refused, /\n\s+at /, "a message, not a stack trace");
    } finally {
      first.child.kill("SIGTERM");
      assert.equal((await first.exited).code, 0);
    }
    assert.equal(existsSync(lock), false, "released on stop");

    const killed = await startGateway(env(file));
    killed.child.kill("SIGKILL");
    await killed.exited;
    assert.ok(existsSync(lock), "SIGKILL leaves the lock behind");
    assert.match(await refusal(file), /in use by another process/, "a lock refreshed moments ago still holds");
    // As if a minute had passed: a live holder refreshes its lock every few seconds, a dead one cannot.
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lock, minuteAgo, minuteAgo);
    const after = await startGateway(env(file));
    after.child.kill("SIGTERM");
    assert.equal((await after.exited).code, 0);
    assert.equal(existsSync(lock), false);
  });
});
