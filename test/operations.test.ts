import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startGateway } from "./support/child-process";
import { TEST_DATABASE_URL } from "./support/database";
import { gql, gqlData, wsClient, wsExecute } from "./support/graphql-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

describe("operations", () => {
  let harness: TestApp;

  before(async () => {
    harness = await startTestApp();
  });
  after(() => harness.stop());

  it("answers /healthz and /readyz", async () => {
    const health = await fetch(`${harness.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    // Not ready until the first full load is read; then ready.
    const loading = await fetch(`${harness.baseUrl}/readyz`);
    assert.equal(loading.status, 503);
    assert.match(JSON.stringify(await loading.json()), /first full load has not finished/);
    await harness.app.sync.internals.poller.pollMembers("PERIODIC");
    const ready = await fetch(`${harness.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
  });

  it("serves Apollo Sandbox at /graphql to a browser outside production", async () => {
    const page = await fetch(harness.url, { headers: { accept: "text/html" } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /embeddable-sandbox/);
  });

  it("refuses a bad credential with 401 UNAUTHENTICATED, and lets anonymous callers through", async () => {
    const refused = await gql(harness.url, "{ events { totalCount } }", {}, "not-a-key");
    assert.equal(refused.status, 401);
    assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    assert.doesNotMatch(refused.errors![0]!.message, /not-a-key/, "the credential is never echoed");
    const anonymous = await gql(harness.url, "{ events { totalCount } }");
    assert.equal(anonymous.status, 200);
  });

  it("says why a credential was refused: malformed, or not good", async () => {
    const ask = async (authorization: string) => {
      const response = await fetch(harness.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body: JSON.stringify({ query: "{ events { totalCount } }" }),
      });
      const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
      return [response.status, body.errors?.map((error) => [error.extensions?.code, error.message])];
    };
    assert.deepEqual(await ask("Basic dXNlcjpwYXNz"), [
      401,
      [["UNAUTHENTICATED", 'Not signed in: authorization must be "Bearer <credential>"']],
    ]);
    assert.deepEqual(await ask("Bearer not-a-key"), [
      401,
      [["UNAUTHENTICATED", "Not signed in: the credential is not valid or has expired"]],
    ]);
  });

  it("refuses hostile queries before running them", async () => {
    const deep = `{ members { edges { node { communities { community { members { edges { node { member { communities { community { members { edges { node { role } } } } } } } } } } } } } } }`;
    const response = await gql(harness.url, deep, {}, ADMIN_KEY);
    assert.equal(response.errors?.[0]?.extensions?.code, "GRAPHQL_VALIDATION_FAILED");
    assert.match(response.errors![0]!.message, /depth limit/i);
    const aliases = `{ ${Array.from({ length: 40 }, (_, index) => `a${index}: members { totalCount }`).join(" ")} }`;
    const aliased = await gql(harness.url, aliases, {}, ADMIN_KEY);
    assert.match(aliased.errors?.[0]?.message ?? "", /aliases/i);
  });

  it("runs operations over graphql-ws on the same path with the admin key", async () => {
    const { client } = wsClient(harness.url, ADMIN_KEY);
    try {
      const query = "{ members(first: 1) { totalCount } }";
      const result = await wsExecute(client, query);
      assert.deepEqual(result, { data: await gqlData(harness.url, query, {}, ADMIN_KEY) }, "the same answer as over HTTP");
      const bad = await wsExecute(client, `{ members(first: 900) { totalCount } }`);
      assert.equal(bad.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    } finally {
      await client.dispose();
    }
  });

  it("closes a graphql-ws connection whose credential is bad with 4403", async () => {
    const { client, closed } = wsClient(harness.url, "forged");
    try {
      await assert.rejects(wsExecute(client, "{ members { totalCount } }"));
      assert.equal((await closed()).code, 4403);
    } finally {
      await client.dispose();
    }
  });

  it("reports not ready when the database is gone", async () => {
    const other = await startTestApp();
    try {
      await other.app.database.dataSource.destroy();
      const ready = await fetch(`${other.baseUrl}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal((await fetch(`${other.baseUrl}/healthz`)).status, 200, "alive, just not ready");
    } finally {
      await other.stop();
    }
  });

  it("closes WebSocket clients and stops listening on stop()", async () => {
    const other = await startTestApp();
    const { client, closed } = wsClient(other.url, ADMIN_KEY);
    try {
      await wsExecute(client, "{ members { totalCount } }");
      await other.stop();
      assert.equal((await closed()).code, 1001, "going away");
      await assert.rejects(fetch(`${other.baseUrl}/healthz`));
    } finally {
      await client.dispose();
    }
  });
});

describe("the gateway process", () => {
  it("starts with main.ts and exits cleanly on SIGTERM", async () => {
    const gateway = await startGateway({
      PORT: "0",
      DATABASE_URL: TEST_DATABASE_URL,
      NODE_ENV: "production",
      AMS_SOURCE: "demo",
      ADMIN_API_KEYS: ADMIN_KEY,
    });
    const response = await gql(gateway.url, "{ members { totalCount } }", {}, ADMIN_KEY);
    assert.equal(response.status, 200);
    gateway.child.kill("SIGTERM");
    assert.deepEqual(await gateway.exited, { code: 0, signal: null });
    assert.ok(gateway.lines.some((line) => line.includes('"msg":"shutting down"')));
    assert.ok(
      gateway.lines.every((line) => !line.includes(ADMIN_KEY)),
      "the admin key is never logged",
    );
  });

  it("prints a generated admin key once in development and names a bad variable when the configuration is wrong", async () => {
    const sqlite = path.join(mkdtempSync(path.join(tmpdir(), "amsgate-main-")), "dev.sqlite");
    const gateway = await startGateway({ PORT: "0", SQLITE_FILE: sqlite, NODE_ENV: "development" });
    let key = "";
    try {
      // The key goes to stderr, which may arrive after the "listening" line on stdout.
      const findKeyLine = () => gateway.lines.findIndex((line) => line.includes("this run's admin key is"));
      for (const deadline = Date.now() + 10_000; findKeyLine() < 0 && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 50));
      const keyLine = findKeyLine();
      assert.ok(keyLine >= 0);
      key =
        gateway.lines
          .slice(keyLine + 1)
          .find((line) => line.trim().startsWith("dev-"))
          ?.trim() ?? "";
      assert.ok(key.startsWith("dev-"), "the key follows its announcement");
    } finally {
      gateway.child.kill("SIGINT");
    }
    assert.equal((await gateway.exited).code, 0);
    assert.equal(gateway.lines.filter((line) => line.includes(key)).length, 1, "printed exactly once");

    await assert.rejects(startGateway({ PORT: "not-a-port", SQLITE_FILE: sqlite }), /PORT must be a whole number/);
  });

  it("reads .env from its working directory beneath the real environment, and refuses a malformed one", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "amsgate-dotenv-"));
    const fileKey = "key-from-dotenv-0123456789abcdef";
    writeFileSync(path.join(dir, ".env"), `# trial settings\nADMIN_API_KEYS=${fileKey}\nSQLITE_FILE=from-file.sqlite\nPORT=not-a-port\n`);
    // PORT in the file would not start; the real environment's PORT=0 wins.
    const gateway = await startGateway({ PORT: "0", NODE_ENV: "development" }, 30_000, dir);
    try {
      const answer = await gql(gateway.url, "{ syncStatus { pendingRefreshCount } }", {}, fileKey);
      assert.equal(answer.errors, undefined, "the admin key from .env is honoured");
      assert.ok(
        gateway.lines.every((line) => !line.includes("this run's admin key")),
        "no key generated: one was configured",
      );
    } finally {
      gateway.child.kill("SIGTERM");
      await gateway.exited;
    }
    assert.ok(existsSync(path.join(dir, "from-file.sqlite")), "SQLITE_FILE from .env, relative to the working directory");
    writeFileSync(path.join(dir, ".env"), "ADMIN_API_KEYS key-without-equals\n");
    await assert.rejects(startGateway({ PORT: "0", NODE_ENV: "development" }, 30_000, dir), /\.env line 1 is not NAME=value/);
  });

  it("refuses to start in production on the defaults, naming what to set", async () => {
    const sqlite = path.join(mkdtempSync(path.join(tmpdir(), "amsgate-main-")), "prod.sqlite");
    const refusal = await startGateway({ PORT: "0", SQLITE_FILE: sqlite, NODE_ENV: "production" }).then(
      async (gateway) => {
        gateway.child.kill("SIGKILL");
        await gateway.exited;
        return undefined;
      },
      (error: Error) => error,
    );
    assert.ok(refusal, "production started on the demo defaults with no admin");
    assert.match(refusal.message, /exited with 1/);
    assert.match(refusal.message, /AMS_SOURCE is not set/);
    assert.match(refusal.message, /ADMIN_API_KEYS is not set/);
  });
});
