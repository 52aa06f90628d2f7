import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SourceError, SourceErrorCode } from "../sources/source.error";
import {
  classifyBatchError,
  classifyWritebackError,
  decideRefreshFailure,
  RefreshFailureCode,
  type RefreshPolicySettings,
} from "./refresh-policy";

const settings: RefreshPolicySettings = { maxAttempts: 3, backoff: { baseMs: 1_000, maxMs: 60_000 }, outageHoldMs: 5_000 };
const now = new Date("2026-12-01T00:00:00.000Z");
const at = (ms: number) => new Date(now.getTime() + ms);
const decide = (failure: Parameters<typeof decideRefreshFailure>[0], attempts: number) =>
  decideRefreshFailure(failure, { attempts, now, settings, random: () => 0.5 });
const bad = { kind: "member", code: RefreshFailureCode.CONTRACT_VIOLATION, message: "no LastName" } as const;

describe("the refresh policy", () => {
  it("backs a failed member off exponentially while attempts remain", () => {
    assert.deepEqual(decide(bad, 1), { action: "back-off", at: at(1_000), code: "CONTRACT_VIOLATION", message: "no LastName" });
    assert.deepEqual(decide(bad, 2), { action: "back-off", at: at(2_000), code: "CONTRACT_VIOLATION", message: "no LastName" });
  });

  it("dead-letters a failed member on its last attempt, keeping its code and reason", () => {
    assert.deepEqual(decide(bad, 3), { action: "dead-letter", code: "CONTRACT_VIOLATION", message: "no LastName" });
  });

  it("holds a batch through an outage without counting it, however many attempts were made", () => {
    const outage = { kind: "outage", code: RefreshFailureCode.TEMPORARY, message: "503" } as const;
    assert.deepEqual(decide(outage, 3), { action: "hold", until: at(5_000), code: "TEMPORARY", message: "503" });
  });

  it("holds until the AMS's Retry-After when it asks for longer than the outage hold, never shorter", () => {
    const asked = (retryAfterMs: number) => ({ kind: "outage", code: RefreshFailureCode.TEMPORARY, message: "429", retryAfterMs }) as const;
    assert.deepEqual(decide(asked(900_000), 1), { action: "hold", until: at(900_000), code: "TEMPORARY", message: "429" });
    assert.deepEqual(decide(asked(1_000), 1), { action: "hold", until: at(5_000), code: "TEMPORARY", message: "429" });
  });

  it("hands a row whose lease was lost out again while attempts remain, and dead-letters it after", () => {
    assert.deepEqual(decide({ kind: "lease-lost" }, 2), { action: "retry-now" });
    const dead = decide({ kind: "lease-lost" }, 3);
    assert.equal(dead.action, "dead-letter");
    assert.equal((dead as { code: string }).code, "LEASE_LOST");
    assert.match((dead as { message: string }).message, /3 times.*REFRESH_LEASE/);
  });

  it("reads a whole-batch error: unreadable answers count, an unreachable AMS does not, our own faults count", () => {
    const unreadable = classifyBatchError(new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "not JSON"));
    assert.deepEqual(unreadable, { kind: "member", code: "CONTRACT_VIOLATION", message: "not JSON" });
    const down = classifyBatchError(new SourceError(SourceErrorCode.TEMPORARY, "503", { retryAfterMs: 7_000 }));
    assert.deepEqual(down, { kind: "outage", code: "TEMPORARY", message: "503", retryAfterMs: 7_000 });
    const refused = classifyBatchError(new SourceError(SourceErrorCode.AUTH_REJECTED, "401"));
    assert.equal(refused.kind, "outage", "bad credentials say nothing about the members");
    assert.deepEqual(classifyBatchError(new TypeError("x is undefined")), {
      kind: "member",
      code: "INTERNAL",
      message: "unexpected error while refreshing",
    });
  });
});

describe("writeback failures in the refresh policy's terms", () => {
  it("counts a completion the AMS answered and refused, and holds through an AMS that did not answer", () => {
    const refused = classifyWritebackError(new SourceError(SourceErrorCode.CONTRACT_VIOLATION, "422"));
    assert.deepEqual(refused, { kind: "member", code: "CONTRACT_VIOLATION", message: "422" });
    assert.equal(decide(refused, 1).action, "back-off");
    assert.equal(decide(refused, 3).action, "dead-letter");
    assert.equal(classifyWritebackError(new SourceError(SourceErrorCode.NOT_FOUND, "404")).kind, "member");
    const down = classifyWritebackError(new SourceError(SourceErrorCode.TEMPORARY, "503", { retryAfterMs: 9_000 }));
    assert.deepEqual(down, { kind: "outage", code: "TEMPORARY", message: "503", retryAfterMs: 9_000 });
    assert.deepEqual(decide(down, 3), { action: "hold", until: at(9_000), code: "TEMPORARY", message: "503" });
    assert.equal(classifyWritebackError(new SourceError(SourceErrorCode.AUTH_REJECTED, "401")).kind, "outage");
    assert.deepEqual(classifyWritebackError(new Error("boom")), {
      kind: "member",
      code: "INTERNAL",
      message: "unexpected error while sending the completion",
    });
  });
});
