import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/time/clock";
import { gql } from "./support/graphql-client";
import { ManualTimers } from "./support/manual-timers";
import { ADMIN_KEY, freePort, startTestApp, type TestApp } from "./support/test-app";

const IDENTITY_KEY = "identity-key-0123456789abcdefghijklmnop";
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;
const GOOD = `${LINK}\ntype Member @key(fields: "key") { key: ID! badges: [String!] }\ntype Query { badgeCount: Int }`;
// amsgate's Member.firstName is a String and not shareable: this cannot compose.
const BROKEN = `${LINK}\ntype Member @key(fields: "key") { key: ID! firstName: Int }\ntype Query { badgeCount: Int }`;
const FIXED = `${LINK}\ntype Member @key(fields: "key") { key: ID! badges: [String!] }\ntype Query { badgeCount: Int badgeLevel: Int }`;

/** A subgraph whose schema the test changes: `_service { sdl }` answers the current SDL, queries fixed numbers. */
async function startChangingSubgraph(port = 0): Promise<{ url: string; setSdl(sdl: string): void; close(): Promise<void> }> {
  let sdl = GOOD;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const query = String(JSON.parse(body || "{}").query ?? "");
      const data = query.includes("_service") ? { _service: { sdl } } : { badgeCount: 7, badgeLevel: 3 };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/graphql`,
    setSdl: (next) => (sdl = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads the supergraph check of `/readyz`; fires the next recomposition and waits (bounded) for its attempt. */
function compositionProbe(app: () => TestApp, timers: ManualTimers) {
  const composition = async () => {
    const body = (await (await fetch(`${app().baseUrl}/readyz`)).json()) as { checks: { supergraph: any } };
    return body.checks.supergraph;
  };
  const recompose = async () => {
    const before = (await composition()).lastAttemptAt;
    timers.advance(60_000);
    for (let n = 0; n < 200; n += 1) {
      const now = await composition();
      if (now.lastAttemptAt !== before) return now;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.fail("no recomposition was recorded");
  };
  return { composition, recompose };
}

describe("built-in gateway recomposes on a schedule and keeps the last good supergraph", () => {
  const clock = new ManualClock("2026-12-01T12:00:00.000Z");
  const timers = new ManualTimers(clock);
  let subgraph: Awaited<ReturnType<typeof startChangingSubgraph>>;
  let amsgate: TestApp;

  const { composition, recompose } = compositionProbe(() => amsgate, timers);
  const ask = (query: string) => gql<any>(`${amsgate.baseUrl}/supergraph`, query, {}, ADMIN_KEY);

  before(async () => {
    subgraph = await startChangingSubgraph();
    amsgate = await startTestApp({
      env: { FEDERATION_SUBGRAPHS: `badges=${subgraph.url}`, FEDERATION_IDENTITY_KEY: IDENTITY_KEY, FEDERATION_COMPOSE_INTERVAL: "1m" },
      overrides: { supergraphTimers: timers, clock },
    });
  });

  after(async () => {
    await amsgate?.stop();
    await subgraph?.close();
  });

  it("composes at start and reports ok", async () => {
    const status = await composition();
    assert.equal(status.state, "ok");
    assert.equal(status.reason, null);
    assert.deepEqual((await ask(`{ badgeCount }`)).data, { badgeCount: 7 });
  });

  it("a subgraph schema that fails composition: degraded with the reason, the last good supergraph still served", async () => {
    subgraph.setSdl(BROKEN);
    const status = await recompose();
    assert.equal(status.state, "degraded");
    assert.match(status.reason, /do not compose/);
    assert.match(status.reason, /firstName/);
    const answer = await ask(`{ badgeCount }`);
    assert.deepEqual(answer.data, { badgeCount: 7 }, JSON.stringify(answer.errors));
    assert.equal((await fetch(`${amsgate.baseUrl}/healthz`)).status, 200, "the process stays up");
  });

  it("fixed: the next scheduled composition serves the new supergraph and reports ok", async () => {
    subgraph.setSdl(FIXED);
    const status = await recompose();
    assert.equal(status.state, "ok");
    assert.equal(status.reason, null);
    const answer = await ask(`{ badgeCount badgeLevel }`);
    assert.deepEqual(answer.data, { badgeCount: 7, badgeLevel: 3 }, JSON.stringify(answer.errors));
  });

  it("an unreachable subgraph: degraded, and amsgate's own fields still answer through the supergraph", async () => {
    await subgraph.close();
    const status = await recompose();
    assert.equal(status.state, "degraded");
    assert.match(status.reason, /fetch failed|ECONNREFUSED/);
    const answer = await ask(`{ members(first: 1) { totalCount } }`);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  });
});

describe("built-in gateway with a subgraph down at start", () => {
  const clock = new ManualClock("2026-12-01T12:00:00.000Z");
  const timers = new ManualTimers(clock);
  let port: number;
  let subgraph: Awaited<ReturnType<typeof startChangingSubgraph>> | undefined;
  let amsgate: TestApp;
  const { composition, recompose } = compositionProbe(() => amsgate, timers);
  const ask = (query: string) => gql<any>(`${amsgate.baseUrl}/supergraph`, query, {}, ADMIN_KEY);

  before(async () => {
    port = await freePort();
    amsgate = await startTestApp({
      env: {
        FEDERATION_SUBGRAPHS: `badges=http://127.0.0.1:${port}/graphql`,
        FEDERATION_IDENTITY_KEY: IDENTITY_KEY,
        FEDERATION_COMPOSE_INTERVAL: "1m",
      },
      overrides: { supergraphTimers: timers, clock },
    });
  });

  after(async () => {
    await amsgate?.stop();
    await subgraph?.close();
  });

  it("starts anyway, serving amsgate's own graph, reported degraded with the reason", async () => {
    const status = await composition();
    assert.equal(status.state, "degraded");
    assert.equal(status.lastComposedAt, null);
    assert.match(status.reason, /fetch failed|ECONNREFUSED/);
    assert.match(status.reason, /serving amsgate's own graph/);
    const answer = await ask(`{ members(first: 1) { totalCount } }`);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.ok((await ask(`{ badgeCount }`)).errors, "the missing subgraph's fields are not there yet");
  });

  it("composes the subgraph in once it answers, at the next scheduled attempt", async () => {
    subgraph = await startChangingSubgraph(port);
    const status = await recompose();
    assert.equal(status.state, "ok", JSON.stringify(status));
    const answer = await ask(`{ badgeCount }`);
    assert.deepEqual(answer.data, { badgeCount: 7 }, JSON.stringify(answer.errors));
  });
});
