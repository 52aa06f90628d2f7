import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { MemberEntity, SyncRunEntity } from "../src/db/entities";
import { runImportCommand } from "../src/imports/import.command";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const HEADER = "LegacyContactKey,FirstName,LastName,IsActive";

function sink(isTTY = false) {
  let text = "";
  const stream = Object.assign(
    new Writable({
      write: (chunk, _encoding, done) => {
        text += String(chunk);
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

function rows(from: number, to: number, firstName = "First"): string[] {
  return Array.from({ length: to - from }, (_, index) => `RP-${String(from + index).padStart(5, "0")},${firstName},Last${from + index},1`);
}

describe("CSV import: replace mode, header faults and CLI progress", () => {
  let harness: TestApp;
  const dir = mkdtempSync(path.join(tmpdir(), "amsgate-replace-"));
  const importCsv = async (csv: string, query: string) => {
    const response = await fetch(`${harness.baseUrl}/admin/imports${query}`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${ADMIN_KEY}` },
      body: csv,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const importRuns = () => harness.app.database.dataSource.getRepository(SyncRunEntity).countBy({ kind: "IMPORT" });
  const statusOf = async (key: string) =>
    (await harness.app.database.dataSource.getRepository(MemberEntity).findOneBy({ memberKey: key }))?.status;
  const disabledCount = () => harness.app.database.dataSource.getRepository(MemberEntity).countBy({ status: "DISABLED" });

  before(async () => {
    harness = await startTestApp({ env: { IMPORT_REPLACE_MAX_DISABLE_SHARE: "0.25" } });
    const seeded = await importCsv([HEADER, ...rows(0, 100)].join("\n"), "?mode=merge");
    assert.equal(seeded.body.imported, 100);
  });

  after(() => harness.stop());

  it("a bad or missing header is a 400 that creates no run (the run used to start before the header was read)", async () => {
    const before = await importRuns();
    const unknown = await importCsv("LegacyContactKey,Nickname\nX,Y\n", "?mode=merge");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0].extensions.code, "BAD_REQUEST");
    assert.match(unknown.body.errors[0].message, /Unknown column "Nickname"/);
    const noKey = await importCsv("FirstName\nY\n", "?mode=replace");
    assert.equal(noKey.status, 400);
    assert.match(noKey.body.errors[0].message, /no LegacyContactKey column/);
    const empty = await importCsv("", "?mode=merge");
    assert.equal(empty.status, 400);
    assert.match(empty.body.errors[0].message, /The file is empty/);
    assert.equal(await importRuns(), before, "no run for a refused header");

    const file = path.join(dir, "bad-header.csv");
    writeFileSync(file, "LegacyContactKey,Nickname\nX,Y\n");
    const stderr = sink();
    const code = await runImportCommand([file], {
      env: { GATEWAY_URL: harness.baseUrl, ADMIN_API_KEYS: ADMIN_KEY },
      stdout: sink().stream,
      stderr: stderr.stream,
    });
    assert.equal(code, 1);
    assert.match(stderr.text(), /import refused: Unknown column "Nickname"/);
    assert.equal(await importRuns(), before);
  });

  it("refuses a replace that would disable more than the share, writing nothing, and says how many and the limit", async () => {
    const runs = await importRuns();
    // 70 of 100 in the file, renamed: 30 would be disabled, more than 25 %.
    const csv = [HEADER, ...rows(0, 70, "Renamed")].join("\n");
    const refused = await importCsv(csv, "?mode=replace");
    assert.equal(refused.status, 409);
    assert.match(
      refused.body.errors[0].message,
      /would disable 30 of 100 enabled members \(30 %\).*\(25 %, at most 25\); nothing was written/,
    );
    assert.equal(await importRuns(), runs, "no run");
    assert.equal(await disabledCount(), 0);
    const first = await harness.app.database.dataSource.getRepository(MemberEntity).findOneBy({ memberKey: "RP-00000" });
    assert.equal(first?.firstName, "First", "no row was written");

    const dry = await importCsv(csv, "?mode=replace&dryRun=true&force=true");
    assert.deepEqual([dry.status, dry.body.disabled, dry.body.imported], [200, 30, 70]);
    assert.equal(await disabledCount(), 0, "a dry run disables nothing");
  });

  it("within the share, or forced, the members left out become DISABLED on the same run", async () => {
    // 80 of 100: 20 left out, within 25 %.
    const within = await importCsv([HEADER, ...rows(0, 80)].join("\n"), "?mode=replace");
    assert.equal(within.status, 200, JSON.stringify(within.body));
    assert.equal(within.body.disabled, 20);
    assert.equal(await statusOf("RP-00085"), "DISABLED");
    assert.equal(await statusOf("RP-00079"), "ACTIVE");
    const run = await harness.app.database.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: within.body.runId });
    assert.equal(run.status, "SUCCEEDED");
    assert.equal(run.refreshed, 20, "the 80 in the file are unchanged; the 20 disabled are refreshed");

    // 10 of the 80 enabled: 70 left out; refused without force, done with it.
    const ten = [HEADER, ...rows(0, 10)].join("\n");
    assert.equal((await importCsv(ten, "?mode=replace")).status, 409);
    const forced = await importCsv(ten, "?mode=replace&force=true");
    assert.equal(forced.status, 200);
    assert.equal(forced.body.disabled, 70);
    assert.equal(await disabledCount(), 90);
    // A member on a bad row is in the file: it is not disabled.
    const badRow = await importCsv([HEADER, ...rows(0, 9), "RP-00009,,,not-a-flag"].join("\n"), "?mode=replace");
    assert.equal(badRow.status, 200, JSON.stringify(badRow.body));
    assert.deepEqual([badRow.body.skipped, badRow.body.disabled], [1, 0]);
    assert.equal(await statusOf("RP-00009"), "ACTIVE");
  });

  it("npm run import shows plain progress lines when stderr is not a terminal, and --force forces a replace", async () => {
    const file = path.join(dir, "many.csv");
    writeFileSync(file, [HEADER, ...rows(0, 1_200), "RP-BAD,,,maybe"].join("\n"));
    const [stdout, stderr] = [sink(), sink()];
    let at = 0;
    const env = { GATEWAY_URL: harness.baseUrl, ADMIN_API_KEYS: ADMIN_KEY };
    const code = await runImportCommand([file, "--mode", "merge"], {
      env,
      stdout: stdout.stream,
      stderr: stderr.stream,
      now: () => (at += 2_000),
    });
    assert.equal(code, 2, stderr.text());
    assert.deepEqual(stderr.text().trim().split("\n"), [
      "progress: 500 rows read, 500 imported, 0 bad",
      "progress: 1000 rows read, 1000 imported, 0 bad",
      "progress: 1201 rows read, 1200 imported, 1 bad",
    ]);
    assert.match(stdout.text(), /1201 rows read, 1200 imported, 1 skipped \(mode merge\)/);

    // Lines come at most once a second: with the clock standing still, the first and the last.
    const still = sink();
    await runImportCommand([file], { env, stdout: sink().stream, stderr: still.stream, now: () => 0 });
    assert.deepEqual(still.text().trim().split("\n"), [
      "progress: 500 rows read, 500 imported, 0 bad",
      "progress: 1201 rows read, 1200 imported, 1 bad",
    ]);

    const few = path.join(dir, "few.csv");
    writeFileSync(few, [HEADER, ...rows(0, 5)].join("\n"));
    const refused = sink();
    assert.equal(await runImportCommand([few, "--mode", "replace"], { env, stdout: sink().stream, stderr: refused.stream }), 1);
    assert.match(refused.text(), /import refused: Refused: this replace would disable 1195 of 1200 enabled members/);
    const out = sink();
    assert.equal(await runImportCommand([few, "--mode", "replace", "--force"], { env, stdout: out.stream, stderr: sink().stream }), 0);
    assert.match(out.text(), /1195 members left out of the file were disabled/);
  });
});
