import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Database } from "./data-source";
import { TransactionRunner } from "./transaction-runner";

/** MySQL as the runner sees it: only the manager a statement runs on. */
const mysql = { kind: "mysql", dataSource: { manager: {} } } as unknown as Database;
const failure = (errno: number) => Object.assign(new Error(`errno ${errno}`), { driverError: { errno } });

describe("a statement run on its own", () => {
  it("runs again when InnoDB picked it as a deadlock victim or its lock wait timed out", async () => {
    const runner = new TransactionRunner(mysql);
    let calls = 0;
    const result = await runner.autocommitRetrying(async () => {
      calls += 1;
      if (calls === 1) throw failure(1213);
      if (calls === 2) throw failure(1205);
      return "done";
    });
    assert.deepEqual([result, calls], ["done", 3]);
  });

  it("fails at once on any other error, and after the last try on a deadlock", async () => {
    const runner = new TransactionRunner(mysql, 3);
    let calls = 0;
    await assert.rejects(
      runner.autocommitRetrying(async () => {
        calls += 1;
        throw failure(1062);
      }),
      /errno 1062/,
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      runner.autocommitRetrying(async () => {
        calls += 1;
        throw failure(1213);
      }),
      /errno 1213/,
    );
    assert.equal(calls, 3);
  });
});
