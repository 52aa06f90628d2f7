import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { spawnGateway, type SpawnedGateway } from "./support/child-process";
import { TEST_DATABASE_URL } from "./support/database";
import { gql } from "./support/graphql-client";
import { ADMIN_KEY } from "./support/test-app";

/**
 * A TCP proxy in front of MariaDB that the test opens when it chooses: until then every
 * connection is reset, as a database that is down would.
 */
class SwitchableProxy {
  private forwarding = false;
  private readonly sockets = new Set<Socket>();
  private constructor(readonly server: Server) {}

  static async start(target: URL): Promise<SwitchableProxy> {
    let proxy!: SwitchableProxy;
    const server = createServer((client) => {
      proxy.track(client);
      if (!proxy.forwarding) {
        client.resetAndDestroy();
        return;
      }
      const upstream = proxy.track(connect(Number(target.port || 3306), target.hostname));
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    proxy = new SwitchableProxy(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  open(): void {
    this.forwarding = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    return socket;
  }
}

/** A port nothing listens on: bound by us for a moment, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const databaseUrl = (port: number, password = "") => {
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  url.password = password;
  return url.toString();
};

const env = (url: string): Record<string, string> => ({
  PORT: "0",
  NODE_ENV: "development",
  LOG_LEVEL: "info",
  DATABASE_URL: url,
  ADMIN_API_KEYS: ADMIN_KEY,
  SYNC_ENABLED: "false",
  DEMO_CHANGE_INTERVAL: "0",
  DATABASE_RETRY_BASE: "20ms",
  DATABASE_RETRY_MAX: "100ms",
});

const baseUrlOf = async (gateway: SpawnedGateway) => {
  const line = await gateway.line(/health endpoints up/);
  return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
};

describe("a database that does not answer at start", () => {
  const started: SpawnedGateway[] = [];
  after(async () => {
    for (const gateway of started) {
      gateway.child.kill("SIGKILL");
      await gateway.exited;
    }
  });

  it("keeps the HTTP server up, unready, naming host:port but never the password, and stops on SIGTERM", async () => {
    const port = await closedPort();
    const gateway = spawnGateway(env(databaseUrl(port, "s3cret-pass")));
    started.push(gateway);
    const base = await baseUrlOf(gateway);
    const retrying = await gateway.line(/database unreachable; retrying/);
    assert.ok(retrying.includes(`127.0.0.1:${port}`), retrying);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { status: string; reason: string };
    assert.equal(body.status, "unavailable");
    assert.match(body.reason, /waiting for the database: UNREACHABLE \(attempt \d+/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200, "alive while it waits");
    const graph = await gql(`${base}/graphql`, "{ me { kind } }");
    assert.equal(graph.status, 503);
    assert.equal(graph.errors?.[0]?.extensions?.code, "SERVICE_UNAVAILABLE");
    gateway.child.kill("SIGTERM");
    assert.deepEqual(await gateway.exited, { code: 0, signal: null }, "a stop while waiting is a clean stop");
    assert.ok(
      gateway.lines.every((line) => !line.includes("s3cret-pass")),
      "the password is never printed",
    );
    assert.ok(
      gateway.lines.every((line) => !/^\s+at /.test(line)),
      "no stack trace",
    );
  });

  it("becomes ready once the database answers", async () => {
    const proxy = await SwitchableProxy.start(new URL(TEST_DATABASE_URL));
    try {
      const gateway = spawnGateway(env(databaseUrl(proxy.port)));
      started.push(gateway);
      const base = await baseUrlOf(gateway);
      await gateway.line(/database unreachable; retrying/);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      proxy.open();
      await gateway.line(/amsgate listening/);
      // The database is in; what readiness still waits for is sync's first load (no process polls here).
      const ready = (await (await fetch(`${base}/readyz`)).json()) as { checks: { database: string }; reasons: string[] };
      assert.equal(ready.checks.database, "ok");
      assert.deepEqual(ready.reasons, ["the first full load has not finished: no successful members poll is recorded yet"]);
      const answer = await gql(`${base}/graphql`, "{ me { kind } }", {}, ADMIN_KEY);
      assert.equal(answer.status, 200, JSON.stringify(answer));
      gateway.child.kill("SIGTERM");
      assert.equal((await gateway.exited).code, 0);
    } finally {
      await proxy.close();
    }
  });

  it("does not wait for a server that answers no: it names the database and exits 1", async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = "/amsgate_no_such_database";
    const gateway = spawnGateway(env(url.toString()));
    started.push(gateway);
    await gateway.line(/refused the connection: ER_BAD_DB_ERROR/);
    assert.equal((await gateway.exited).code, 1);
    assert.ok(gateway.lines.every((line) => !line.includes("database unreachable; retrying")));
    assert.ok(
      gateway.lines.every((line) => !/^\s+at /.test(line)),
      "no stack trace",
    );
  });
});
