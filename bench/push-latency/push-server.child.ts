import "reflect-metadata";
import { type App, buildApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { demoMemberKey } from "../../src/sources/demo/demo-member.factory";
import { serveChild } from "../support/child-rpc";

let app: App | undefined;

/**
 * amsgate as production runs it (NODE_ENV=production, real HTTP and WebSocket on loopback) with
 * the push API on and the demo source behind the refresh path. Sync's scheduler is off: the
 * refresh baseline drives the same workers by hand (`drainQueue`), so nothing else competes.
 */
async function start(request: { databaseUrl: string; adminKey: string; pushKey: string; tenant: string; members: number }) {
  const config = loadConfig({
    NODE_ENV: "production",
    AMS_SOURCE: "demo",
    DEMO_MEMBERS: String(request.members),
    DEMO_CHANGE_INTERVAL: "0",
    DATABASE_URL: request.databaseUrl,
    ADMIN_API_KEYS: request.adminKey,
    PUSH_API_KEYS: request.pushKey,
    TENANT_CODE: request.tenant,
    PUSH_RATE_LIMIT: "100000",
    PUSH_MAX_BODY: String(16 * 1024 * 1024),
    SYNC_ENABLED: "false",
    LOG_LEVEL: "warn",
  });
  app = await buildApp(config, {});
  const { port } = await app.start(0, "127.0.0.1");
  return { baseUrl: `http://127.0.0.1:${port}` };
}

/**
 * The plain refresh write path: demo members `from`…`from+count-1` queued by key and refreshed
 * by one worker (the source fetches in batches, the member writer writes them). Members/s.
 */
async function refresh(request: { from: number; count: number }): Promise<{ ms: number; membersPerSecond: number }> {
  const keys = Array.from({ length: request.count }, (_, n) => demoMemberKey(request.from + n));
  const started = performance.now();
  await app!.sync.service.refreshMembers(keys);
  await app!.sync.drainQueue();
  const ms = performance.now() - started;
  return { ms, membersPerSecond: (request.count * 1000) / ms };
}

serveChild({ start, refresh }, async () => {
  await app?.stop();
});
