import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, it } from "node:test";
import { ManualClock, SystemClock } from "../../time/clock";
import { SsoMethod } from "../sso-method";
import { SsoError, SsoErrorCode } from "../sso.error";
import { runMintTokenCommand } from "./mint-token.command";
import { PresharedKeyMethod } from "./preshared-key.method";
import { InMemoryReplayGuard } from "../replay/replay.guard";

const NEW_HEX = randomBytes(32).toString("hex");
const OLD_HEX = randomBytes(32).toString("hex");
const KEYS = `new:${NEW_HEX},old:${OLD_HEX}`;
const START = "2026-03-01T12:00:00.000Z";
const SCRIPT = path.resolve(__dirname, "../../../scripts/sso-mint-token.js");

function run(args: string[], env: Record<string, string>) {
  const clock = new ManualClock(START);
  let stdout = "";
  let stderr = "";
  const code = runMintTokenCommand(args, {
    env: { NODE_ENV: "test", ...env },
    clock,
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
  });
  return { code, stdout, stderr, clock };
}

function verifier(clock: ManualClock | SystemClock, maxTtlMs = 5 * 60_000) {
  const keys = [
    { id: "new", secret: Buffer.from(NEW_HEX, "hex") },
    { id: "old", secret: Buffer.from(OLD_HEX, "hex") },
  ];
  return new PresharedKeyMethod({ keys, maxTtlMs, clockSkewMs: 30_000 }, { clock, replayGuard: new InMemoryReplayGuard(clock) });
}

const lastLine = (text: string) => text.trimEnd().split("\n").at(-1) ?? "";

describe("sso:mint-token", () => {
  it("prints a token from the first key on its last line, which the gateway accepts", async () => {
    const { code, stdout, stderr, clock } = run(["M-42"], { SSO_PRESHARED_KEYS: KEYS });
    assert.equal(code, 0, stderr);
    const token = lastLine(stdout);
    assert.match(token, /^v1\.new\./);
    assert.match(stderr, /member M-42, key id new/);
    assert.ok(!stderr.includes(NEW_HEX) && !stdout.includes(NEW_HEX), "the key is never printed");
    assert.deepEqual(await verifier(clock).resolve({ method: SsoMethod.PRESHARED_KEY, token }, { clientAddress: "::1" }), {
      memberKey: "M-42",
    });
  });

  it("takes a lifetime, but not one the gateway would refuse", async () => {
    const short = run(["M-42", "--ttl", "10s"], { SSO_PRESHARED_KEYS: KEYS });
    assert.equal(short.code, 0, short.stderr);
    short.clock.advance(10_000 + 30_000);
    await assert.rejects(
      verifier(short.clock).resolve({ method: SsoMethod.PRESHARED_KEY, token: lastLine(short.stdout) }, { clientAddress: "::1" }),
      (error: unknown) => error instanceof SsoError && error.code === SsoErrorCode.EXPIRED_TOKEN,
    );
    const long = run(["M-42", "--ttl", "10m"], { SSO_PRESHARED_KEYS: KEYS, SSO_PRESHARED_MAX_TTL: "5m" });
    assert.equal(long.code, 2);
    assert.match(long.stderr, /at most 300s/);
    assert.equal(long.stdout, "");
  });

  it("explains and fails when no key is configured", () => {
    const { code, stdout, stderr } = run(["M-42"], {});
    assert.equal(code, 1);
    assert.match(stderr, /SSO_PRESHARED_KEYS/);
    assert.equal(stdout, "");
  });

  it("explains and fails when no member key is given", () => {
    for (const args of [[], [""], ["--ttl", "60s"], ["a", "b"], ["M-1", "--ttl"], ["M-1", "--verbose"]]) {
      const { code, stdout, stderr } = run(args, { SSO_PRESHARED_KEYS: KEYS });
      assert.equal(code, 2, `args ${JSON.stringify(args)}`);
      assert.match(stderr, /usage: npm run sso:mint-token/);
      assert.equal(stdout, "");
    }
  });

  it("reports a bad configuration without echoing the key", () => {
    const { code, stderr } = run(["M-42"], { SSO_PRESHARED_KEYS: `k1:${NEW_HEX.slice(0, 60)}` });
    assert.equal(code, 1);
    assert.match(stderr, /SSO_PRESHARED_KEYS entry 1/);
    assert.ok(!stderr.includes(NEW_HEX.slice(0, 60)));
  });

  it("runs as a program: token on the last line of stdout, exit 0; exit 1 without a key", async () => {
    const ok = await runScript(["M-77"], { SSO_PRESHARED_KEYS: KEYS });
    assert.equal(ok.code, 0, ok.stderr);
    const clock = new SystemClock();
    assert.deepEqual(
      await verifier(clock).resolve({ method: SsoMethod.PRESHARED_KEY, token: lastLine(ok.stdout) }, { clientAddress: "::1" }),
      { memberKey: "M-77" },
    );
    const missing = await runScript(["M-77"], {});
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /SSO_PRESHARED_KEYS/);
  });
});

function runScript(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
