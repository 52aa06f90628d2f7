import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Role } from "../src/auth/viewer";
import { loadConfig } from "../src/config/config";
import { ConfigError } from "../src/config/config.error";
import { SyncRunEntity } from "../src/db/entities";
import { askOver, gql, gqlData, wsClient, wsCollect } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const CREATE = `mutation($key: ID!, $input: MemberInput!) { createMember(key: $key, input: $input) {
  run { kind status refreshed } member { key firstName email status memberSince communities { role community { key } } } } }`;
const UPDATE = `mutation($key: ID!, $input: MemberInput!) { updateMember(key: $key, input: $input) {
  run { kind status } member { key firstName lastName email status } } }`;
const DISABLE = `mutation($key: ID!) { disableMember(key: $key) { run { kind status refreshed } member { key status } } }`;

describe("AMS_SOURCE=spreadsheet: the cache is the system of record", () => {
  let harness: TestApp;
  let memberToken: string;

  before(async () => {
    // The scheduler runs (as in production), so a poll would show if one were scheduled.
    harness = await startTestApp({
      env: { AMS_SOURCE: "spreadsheet", SYNC_ENABLED: "true", REFRESH_INTERVAL: "1s", EVENT_REFRESH_INTERVAL: "1s" },
    });
    memberToken = (await harness.app.sessions.issue("SS-1", [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
  });

  after(() => harness.stop());

  it("polls nothing and is ready with no poll; an import is how data arrives", async () => {
    const ready = await fetch(`${harness.baseUrl}/readyz`);
    const body = (await ready.json()) as Record<string, any>;
    assert.equal(ready.status, 200, JSON.stringify(body));
    const imported = await fetch(`${harness.baseUrl}/admin/imports`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${ADMIN_KEY}` },
      body: "LegacyContactKey,FirstName,LastName\nSS-1,Sheet,One\n",
    });
    assert.equal(imported.status, 200);
    // A manual refresh reads the member back from the cache: unchanged, not disabled.
    const refreshed = await gqlData(
      harness.url,
      `mutation { refreshMember(key: "SS-1", wait: true) { run { status unchanged } member { status } } }`,
      {},
      ADMIN_KEY,
    );
    assert.deepEqual(refreshed.refreshMember.run, { status: "SUCCEEDED", unchanged: 1 });
    assert.equal(refreshed.refreshMember.member.status, "ACTIVE");
    const kinds = (await harness.app.database.dataSource.getRepository(SyncRunEntity).find()).map((run) => run.kind);
    assert.ok(!kinds.includes("PERIODIC") && !kinds.includes("EVENTS") && !kinds.includes("FULL"), kinds.join());
    const status = await gqlData(harness.url, "{ syncStatus { cursors { stream } } }", {}, ADMIN_KEY);
    assert.deepEqual(status.syncStatus.cursors, [], "no poll ever ran");
  });

  it("admins create, update and disable members through the writer, each a MANUAL run, seen on memberChanged", async () => {
    const watcher = wsClient(harness.url, ADMIN_KEY);
    const changes = wsCollect<{ memberChanged: { key: string } }>(watcher.client, "subscription { memberChanged { key } }");
    try {
      const created = await gqlData(
        harness.url,
        CREATE,
        {
          key: "SS-2",
          input: {
            firstName: "Ada",
            email: "ada@example.org",
            memberSince: "2020-01-31",
            communities: [{ key: "CH-1", name: "Chapter One", type: "Chapter", role: "Member" }],
          },
        },
        ADMIN_KEY,
      );
      assert.deepEqual(created.createMember.run, { kind: "MANUAL", status: "SUCCEEDED", refreshed: 1 });
      assert.equal(created.createMember.member.email, "ada@example.org");
      assert.equal(created.createMember.member.communities[0].community.key, "CH-1");
      await changes.waitFor((item) => item.memberChanged.key === "SS-2");

      const updated = await gqlData(harness.url, UPDATE, { key: "SS-2", input: { lastName: "Lovelace", email: "" } }, ADMIN_KEY);
      assert.deepEqual(updated.updateMember.member, { key: "SS-2", firstName: "Ada", lastName: "Lovelace", email: null, status: "ACTIVE" });

      const disabled = await gqlData(harness.url, DISABLE, { key: "SS-2" }, ADMIN_KEY);
      assert.deepEqual(disabled.disableMember.run, { kind: "MANUAL", status: "SUCCEEDED", refreshed: 1 });
      assert.equal(disabled.disableMember.member.status, "DISABLED");
    } finally {
      changes.dispose();
      await watcher.client.dispose();
    }
  });

  it("refuses bad input with BAD_USER_INPUT naming the field, and unknown or existing keys", async () => {
    const bad = await gql(harness.url, CREATE, { key: "SS-3", input: { memberSince: "2026-02-30" } }, ADMIN_KEY);
    assert.equal(bad.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(bad.errors![0]!.message, /memberSince: .*no such day/);
    const twice = await gql(harness.url, CREATE, { key: "SS-1", input: {} }, ADMIN_KEY);
    assert.match(twice.errors![0]!.message, /exists already/);
    const unknown = await gql(harness.url, DISABLE, { key: "NOPE" }, ADMIN_KEY);
    assert.equal(unknown.errors?.[0]?.extensions?.code, "NOT_FOUND");
    assert.equal((await gqlData(harness.url, `{ member(key: "SS-3") { key } }`, {}, ADMIN_KEY)).member, null);
  });

  for (const transport of ["http", "ws"] as const) {
    it(`a non-admin may not edit members (${transport})`, async () => {
      for (const token of [undefined, memberToken]) {
        const answer = await askOver(transport, harness.url, CREATE, { key: "SS-9", input: { firstName: "X" } }, token);
        assert.ok(["UNAUTHENTICATED", "FORBIDDEN"].includes(answer.errors?.[0]?.extensions?.code ?? ""), JSON.stringify(answer));
        const disable = await askOver(transport, harness.url, DISABLE, { key: "SS-1" }, token);
        assert.ok(disable.errors?.length, JSON.stringify(disable));
      }
      assert.equal((await gqlData(harness.url, `{ member(key: "SS-9") { key } }`, {}, ADMIN_KEY)).member, null);
      assert.equal((await gqlData(harness.url, `{ member(key: "SS-1") { status } }`, {}, ADMIN_KEY)).member.status, "ACTIVE");
    });
  }

  it("sign-on that needs an AMS is refused at start", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "test", AMS_SOURCE: "spreadsheet", SSO_CREDENTIALS_ENABLED: "true" }),
      (error: unknown) => error instanceof ConfigError && /SSO_CREDENTIALS_ENABLED signs members on against the AMS/.test(error.message),
    );
  });
});

describe("hand edits where an AMS is the system of record", () => {
  let harness: TestApp;
  before(async () => {
    harness = await startTestApp();
  });
  after(() => harness.stop());

  it("are refused with NOT_SOURCE_OF_RECORD and change nothing", async () => {
    const answer = await gql(harness.url, CREATE, { key: "X-1", input: { firstName: "X" } }, ADMIN_KEY);
    assert.equal(answer.errors?.[0]?.extensions?.code, "NOT_SOURCE_OF_RECORD");
    assert.match(answer.errors![0]!.message, /AMS_SOURCE=spreadsheet/);
    assert.equal((await gqlData(harness.url, `{ member(key: "X-1") { key } }`, {}, ADMIN_KEY)).member, null);
  });
});
