import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AmsHttpServer } from "../src/sources/demo/ams-http.server";
import { DemoAssociation } from "../src/sources/demo/demo-association";
import { DemoAmsDataset } from "../src/sources/demo/demo-dataset";
import { ManualClock } from "../src/time/clock";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";

const SCRIPT = path.resolve(__dirname, "../scripts/source-check.js");
const API_KEY = "source-check-test-key-0123456789";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the check left in its working directory. */
  leftBehind: string[];
}

/** Runs `node dist/scripts/source-check.js` as an operator would, in an empty working directory. */
function sourceCheck(env: Record<string, string>, args: string[] = []): Promise<Run> {
  const cwd = mkdtempSync(path.join(tmpdir(), "amsgate-source-check-"));
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", AMS_SOURCE: "rest", AMS_RETRIES: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr, leftBehind: readdirSync(cwd) })));
}

describe("npm run source:check (scripts/source-check.ts) against the demo AMS over HTTP", () => {
  const requests: string[] = [];
  let server: AmsHttpServer;
  let url: string;

  before(async () => {
    const association = new DemoAssociation({ seed: 7, members: 40, clock: new ManualClock("2026-03-01T00:00:00Z") });
    server = new AmsHttpServer(new DemoAmsDataset(association), {
      apiKey: API_KEY,
      pageSize: 10,
      intercept: ({ path: route }) => void requests.push(route),
    });
    url = await server.listen(0);
  });
  after(() => server.close());

  it("reports a bounded listing, one fetched batch with a sample, and events, without contact data", async () => {
    requests.length = 0;
    const run = await sourceCheck({ AMS_URL: url, AMS_API_KEY: API_KEY }, ["--pages", "2", "--sample", "3"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `source: rest at ${url} (read only: nothing is written)`);
    assert.match(run.stdout, /^changed members: at least 20 \(stopped at the limit of 2 pages; --pages N or --all reads further\)$/m);
    assert.match(run.stdout, /^fetched 20 of them: 20 records, 0 missing, 0 invalid$/m);
    const sample = lines.filter((line) => /^ {2}M\d{7} \| #\d+ \| /.test(line));
    assert.equal(sample.length, 3, run.stdout);
    assert.match(run.stdout, /^events: (?:at least )?\d+ \((?:complete listing|stopped at the limit of 2 pages)[^)]*\), 0 invalid$/m);
    assert.equal(lines.at(-1), "result: OK");
    assert.doesNotMatch(run.stdout, /@/, "no e-mail addresses without --verbose");
    assert.equal(requests.filter((route) => route === "/changed-members").length, 2, "no page past the limit is read");
    assert.deepEqual(run.leftBehind, [], "nothing is written");
    assert.ok(!`${run.stdout}${run.stderr}`.includes(API_KEY), "the API key is never printed");
  });

  it("reads the whole listing with --all, and shows contact data with --verbose", async () => {
    const run = await sourceCheck({ AMS_URL: url, AMS_API_KEY: API_KEY }, ["--all", "--verbose", "--sample", "2"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^changed members: 40 \(complete listing, 4 pages\)$/m);
    assert.match(run.stdout, /^fetched 40 of them: 40 records, 0 missing, 0 invalid$/m);
    assert.match(run.stdout, /^events: \d+ \(complete listing, \d+ pages?\), 0 invalid$/m);
    assert.match(run.stdout, /\| email [^|\s]+@[^|\s]+ \| phones /);
  });

  it("fails with exit 1 and one clear error line when the AMS rejects the key, never printing it", async () => {
    const wrongKey = "wrong-key-that-must-not-be-printed";
    const run = await sourceCheck({ AMS_URL: url, AMS_API_KEY: wrongKey });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: listing changed members failed: AUTH_REJECTED: GET \/changed-members answered 401.*\(check AMS_API_KEY\)$/m,
    );
    assert.equal(run.stdout.trimEnd().split("\n").at(-1), "result: FAILED");
    assert.ok(!`${run.stdout}${run.stderr}`.includes(wrongKey), "the key is never printed");
  });

  it("fails with exit 1 when nothing answers at AMS_URL", async () => {
    const gone = new AmsHttpServer(new InMemoryAms(), { apiKey: API_KEY });
    const goneUrl = await gone.listen(0);
    await gone.close();
    const run = await sourceCheck({ AMS_URL: goneUrl, AMS_API_KEY: API_KEY });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: listing changed members failed: TEMPORARY: GET \/changed-members: could not reach the AMS/m);
  });

  it("fails with exit 1 on a configuration the gateway would refuse, naming the variable", async () => {
    const run = await sourceCheck({ AMS_URL: url });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /AMS_API_KEY is required when AMS_SOURCE=rest/);
    assert.equal(run.stdout, "");
  });
});

describe("npm run source:check on an AMS with bad and missing records", () => {
  let fake: FakeAms;

  before(async () => {
    const ams = new InMemoryAms()
      .setMember("K1", memberInfo("K1"), "2026-03-01T00:00:00Z")
      .setMember("K2", memberInfo("K2", { IsActive: "sometimes" }), "2026-03-01T00:01:00Z")
      .removeMember("K3", "2026-03-01T00:02:00Z");
    fake = await startFakeAms(ams);
  });
  after(() => fake.close());

  it("lists each with its reason and exits 2", async () => {
    const run = await sourceCheck({ AMS_URL: fake.url, AMS_API_KEY: fake.apiKey });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /^fetched 3 of them: 1 records, 1 missing, 1 invalid$/m);
    assert.match(run.stdout, /^ {2}missing: K3: the AMS says this member no longer exists$/m);
    assert.match(run.stdout, /^ {2}invalid: K2: CONTRACT_VIOLATION: .*IsActive: expected true or false, got text "sometimes"/m);
    assert.equal(run.stdout.trimEnd().split("\n").at(-1), "result: 1 invalid record(s)");
  });
});
