import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../observability/logger";
import { RedisClients } from "../../redis/redis-clients";
import type { AmsSource } from "../../sources/ams-source";
import { SourceError, SourceErrorCode } from "../../sources/source.error";
import { SsoError, SsoErrorCode } from "../sso.error";
import { SsoMethod } from "../sso-method";
import { CredentialsMethod } from "./credentials.method";
import { sharedLimiters } from "./shared-limiters";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("shared credential limits while Redis is away", () => {
  let redis: RedisClients;

  before(async () => {
    redis = new RedisClients(`redis://127.0.0.1:${await closedPort()}`, createLogger("silent"));
  });
  after(() => redis.close());

  it("falls back to this process's memory at once, so the limits still hold", async () => {
    const refusing = {
      authenticate: async () => {
        throw new SourceError(SourceErrorCode.AUTH_REJECTED, "no");
      },
    } as unknown as AmsSource;
    const limiters = sharedLimiters(
      { maxFailuresPerUsername: 2, maxAttemptsPerClient: 100, windowMs: 60_000 },
      { client: redis.commands, namespace: "unit" },
    );
    const method = new CredentialsMethod(refusing, limiters, createLogger("silent"));
    const attempt = () =>
      method
        .resolve({ method: SsoMethod.CREDENTIALS, username: "victim@example.org", password: "guess" }, { clientAddress: "10.0.0.1" })
        .then(
          () => "admitted",
          (error: unknown) => (error instanceof SsoError ? error.code : String(error)),
        );
    assert.equal(redis.health(), "degraded");
    assert.deepEqual(
      [await attempt(), await attempt(), await attempt()],
      [SsoErrorCode.CREDENTIALS_REJECTED, SsoErrorCode.CREDENTIALS_REJECTED, SsoErrorCode.RATE_LIMITED],
    );
  });
});
