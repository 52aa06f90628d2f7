import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";

const MAIN = path.resolve(__dirname, "../scripts/demo-ams.js");
const API_KEY = "demo-ams-test-key";

function startDemoAms(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const url = /"msg":"demo AMS listening"/.test(line) ? /"url":"([^"]+)"/.exec(line)?.[1] : undefined;
      if (url) resolve(url);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${lines.join("\n")}`)));
  });
  return { child, lines, exited, listening };
}

describe("demo-ams starter (scripts/demo-ams.ts)", () => {
  it("serves the demo association on the configured port and stops cleanly on SIGTERM", async () => {
    const run = startDemoAms({
      AMS_API_KEY: API_KEY,
      DEMO_AMS_PORT: "0",
      DEMO_MEMBERS: "40",
      DEMO_CHANGE_INTERVAL: "0",
      LOG_LEVEL: "info",
    });
    try {
      const url = await run.listening;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/changed-members`, { headers: { authorization: `Bearer ${API_KEY}` } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { changes: unknown[] };
      assert.equal(body.changes.length, 40);
      run.child.kill("SIGTERM");
      assert.equal(await run.exited, 0);
      assert.ok(run.lines.some((line) => line.includes('"msg":"demo AMS stopped"')));
      assert.ok(
        run.lines.every((line) => !line.includes(API_KEY)),
        "the API key is never logged",
      );
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("refuses to start without an API key, naming the variable", async () => {
    const run = startDemoAms({ DEMO_AMS_PORT: "0" });
    assert.equal(await run.exited, 1);
    assert.ok(
      run.lines.some((line) => line.includes("AMS_API_KEY")),
      run.lines.join("\n"),
    );
    await assert.rejects(run.listening);
  });
});
