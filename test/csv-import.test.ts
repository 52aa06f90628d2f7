import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { MemberEntity, SyncRunEntity } from "../src/db/entities";
import { runImportCommand, runTemplateCommand } from "../src/imports/import.command";
import { templateCsv } from "../src/imports/member-csv.columns";
import { gqlData } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const HEADER = "LegacyContactKey,FirstName,LastName,EmailAddress,MemberSince,IsActive,CommunityGroups,SecurityGroups";

function sink() {
  let text = "";
  const stream = new Writable({
    write: (chunk, _encoding, done) => {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe("CSV import: POST /admin/imports", () => {
  let harness: TestApp;
  const importCsv = async (csv: string, query = "", token: string | null = ADMIN_KEY, type = "text/csv") => {
    const response = await fetch(`${harness.baseUrl}/admin/imports${query}`, {
      method: "POST",
      headers: { "content-type": type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: csv,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const member = async (key: string) =>
    (
      await gqlData(
        harness.url,
        `query($key: ID!) { member(key: $key) { firstName lastName email memberSince
      communities { role community { key } } securityGroups { group { key } } } }`,
        { key },
        ADMIN_KEY,
      )
    ).member;

  before(async () => {
    harness = await startTestApp();
  });

  after(() => harness.stop());

  it("imports good rows, skips bad ones with row, column and reason, and keeps them for importRun", async () => {
    const csv = [
      HEADER,
      "IM-1,Ada,Lovelace,ada@example.org,2020-01-31,1,CH-1|Chapter One|Chapter|Member||;COM-2|Committee Two|Committee|Chair||,SG-1|Portal|Security|||",
      "IM-BAD,Bad,Date,,2026-02-30,true,,",
      ",No,Key,,,,,",
      'IM-SHORT,"only, two"',
      "IM-2,Grace,Hopper,,,no,,",
    ].join("\n");
    const answer = await importCsv(csv, "?mode=replace");
    assert.equal(answer.status, 200);
    assert.equal(answer.body.rows, 5);
    assert.equal(answer.body.imported, 2);
    assert.equal(answer.body.skipped, 3);
    assert.deepEqual(
      answer.body.errors.map((e: any) => [e.row, e.column]),
      [
        [3, "MemberSince"],
        [4, "LegacyContactKey"],
        [5, null],
      ],
    );
    assert.match(answer.body.errors[0].reason, /no such day/);
    const ada = await member("IM-1");
    assert.equal(ada.email, "ada@example.org");
    assert.equal(ada.memberSince, "2020-01-31");
    assert.deepEqual(
      ada.communities.map((c: any) => [c.community.key, c.role]),
      [
        ["CH-1", "Member"],
        ["COM-2", "Chair"],
      ],
    );
    assert.ok(ada.securityGroups.some((g: any) => g.group.key === "SG-1"));
    assert.equal(await member("IM-BAD"), null);

    const data = await gqlData(
      harness.url,
      `query($id: ID!) { importRun(id: $id) {
      id errorCount rowErrors { row column reason } run { kind status refreshed failed } } }`,
      { id: answer.body.runId },
      ADMIN_KEY,
    );
    assert.equal(data.importRun.run.kind, "IMPORT");
    assert.equal(data.importRun.run.status, "PARTIAL");
    assert.equal(data.importRun.run.refreshed, 2);
    assert.equal(data.importRun.run.failed, 3);
    assert.equal(data.importRun.errorCount, 3);
    assert.deepEqual(
      data.importRun.rowErrors.map((e: any) => e.row),
      [3, 4, 5],
    );
  });

  it("merges: blank and missing cells keep the cache; replace clears what the row leaves out", async () => {
    const merged = await importCsv("LegacyContactKey,FirstName,EmailAddress\nIM-1,Augusta,\n", "?mode=merge");
    assert.equal(merged.body.imported, 1);
    let ada = await member("IM-1");
    assert.equal(ada.firstName, "Augusta");
    assert.equal(ada.email, "ada@example.org", "a blank cell keeps the cached value");
    assert.equal(ada.lastName, "Lovelace", "a missing column keeps the cached value");
    assert.equal(ada.communities.length, 2, "groups kept");

    await importCsv("LegacyContactKey,FirstName,EmailAddress\nIM-1,Augusta,\n", "?mode=replace");
    ada = await member("IM-1");
    assert.equal(ada.email, null);
    assert.equal(ada.communities.length, 0);
  });

  it("a dry run checks every row and writes nothing", async () => {
    const runsBefore = await harness.app.database.dataSource.getRepository(SyncRunEntity).countBy({ kind: "IMPORT" });
    const answer = await importCsv(`${HEADER}\nIM-DRY,Dry,Run,,,,,\nIM-DRY-2,,,,not-a-date,,,\n`, "?dryRun=true&mode=replace&force=true");
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.body.runId, answer.body.imported, answer.body.skipped], [null, 1, 1]);
    assert.equal(await member("IM-DRY"), null);
    assert.equal(answer.body.disabled, 1, "IM-1 would be disabled");
    assert.notEqual(
      (await harness.app.database.dataSource.getRepository(MemberEntity).findOneBy({ memberKey: "IM-1" }))?.status,
      "DISABLED",
    );
    assert.equal(await harness.app.database.dataSource.getRepository(SyncRunEntity).countBy({ kind: "IMPORT" }), runsBefore);
  });

  it("refuses the whole file for an unknown column, a missing key column, no admin key or no CSV", async () => {
    const unknown = await importCsv("LegacyContactKey,Nickname\nX,Y\n");
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.errors[0].message, /Unknown column "Nickname"/);
    assert.equal((await importCsv("FirstName\nY\n")).status, 400);
    assert.equal((await importCsv(`${HEADER}\n`, "", null)).status, 401);
    assert.equal((await importCsv(`${HEADER}\n`, "", ADMIN_KEY, "application/json")).status, 415);
  });

  it("the template's example row imports as it is", async () => {
    const answer = await importCsv(templateCsv(), "?dryRun=true");
    assert.deepEqual([answer.body.rows, answer.body.imported, answer.body.skipped], [1, 1, 0], JSON.stringify(answer.body.errors));
  });

  it("npm run import sends a file and reports skipped rows; import:template writes the template", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "amsgate-import-"));
    const file = path.join(dir, "members.csv");
    writeFileSync(file, `${HEADER}\nIM-CLI,Cli,User,,,,,\nIM-CLI-BAD,,,,2026-13-01,,,\n`);
    const [stdout, stderr] = [sink(), sink()];
    const code = await runImportCommand([file, "--mode", "merge"], {
      env: { GATEWAY_URL: harness.baseUrl, ADMIN_API_KEYS: ADMIN_KEY },
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    assert.equal(code, 2, stderr.text());
    assert.match(stdout.text(), /2 rows read, 1 imported, 1 skipped \(mode merge\)/);
    assert.match(stdout.text(), /row 3, column MemberSince: /);
    assert.equal((await member("IM-CLI")).firstName, "Cli");

    const template = path.join(dir, "template.csv");
    assert.equal(runTemplateCommand([template], { stdout: sink().stream }), 0);
    assert.equal(readFileSync(template, "utf8"), templateCsv());
  });

  it("reads a spreadsheet's semicolon export: BOM, quoted group cells holding ';', quoted newlines", async () => {
    const csv = [
      `\uFEFF${HEADER.replaceAll(",", ";")}`,
      'SC-1;Émile;"Zola\nJr";emile@example.org;2021-03-04;1;"CH-1|Chapter One|Chapter|Member||;COM-2|Committee Two|Committee|Chair||";SG-1|Portal|Security|||',
      "SC-2;Ada;Byron;;;1;;",
    ].join("\r\n");
    const { status, body } = await importCsv(csv);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.errors, [], "no row is refused");
    const first = await member("SC-1");
    assert.equal(first.firstName, "Émile");
    assert.equal(first.lastName, "Zola\nJr", "a quoted newline stays in its cell");
    assert.equal(first.memberSince, "2021-03-04");
    assert.deepEqual(first.communities.map((c: any) => [c.community.key, c.role]).sort(), [
      ["CH-1", "Member"],
      ["COM-2", "Chair"],
    ]);
    assert.ok(
      first.securityGroups.some((g: any) => g.group.key === "SG-1"),
      "the security group cell is read",
    );
    assert.equal((await member("SC-2")).lastName, "Byron");
  });
});

describe("CSV import across batches", () => {
  let harness: TestApp;
  before(async () => {
    harness = await startTestApp();
  });
  after(() => harness.stop());

  it("merges a key repeated in a later batch onto what the earlier batch wrote", async () => {
    // 500 rows a batch: row 2 is in the first, the repeat in the second, checked while the first is written.
    const filler = Array.from({ length: 520 }, (_, index) => `BX-${index},First${index},Last${index},b${index}@example.org`);
    const csv = [
      "LegacyContactKey,FirstName,LastName,EmailAddress",
      "BX-KEY,Grace,Hopper,grace@example.org",
      ...filler,
      "BX-KEY,Amazing,,",
    ].join("\n");
    const answer = await fetch(`${harness.baseUrl}/admin/imports?mode=merge`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${ADMIN_KEY}` },
      body: `${csv}\n`,
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, any> }));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.imported, 522);
    const grace = (
      await gqlData(harness.url, `query($key: ID!) { member(key: $key) { firstName lastName email } }`, { key: "BX-KEY" }, ADMIN_KEY)
    ).member;
    assert.equal(grace.firstName, "Amazing");
    assert.equal(grace.lastName, "Hopper", "the later batch's blank cell keeps what the earlier batch wrote");
    assert.equal(grace.email, "grace@example.org");
  });
});
