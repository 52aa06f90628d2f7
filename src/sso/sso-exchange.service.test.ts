import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DataSource } from "typeorm";
import { createLogger } from "../observability/logger";
import type { SyncService } from "../sync/sync.service";
import type { SessionTokens } from "./session/session-tokens";
import { SsoError, SsoErrorCode } from "./sso.error";
import { SsoExchangeService } from "./sso-exchange.service";
import { SsoMethod, type SsoMethodHandler } from "./sso-method";

/** Only the handlers matter for login redirects; nothing else may be touched. */
function serviceWith(handlers: SsoMethodHandler[]): SsoExchangeService {
  const untouchable = new Proxy({}, { get: () => assert.fail("buildLoginUrl must not reach sessions, sync or the database") });
  return new SsoExchangeService({
    handlers,
    sessions: untouchable as SessionTokens,
    sync: untouchable as SyncService,
    dataSource: untouchable as DataSource,
    logger: createLogger("silent"),
    loginRefreshWaitMs: 0,
  });
}

const resolveNothing = async () => assert.fail("resolve must not be called");

describe("SsoExchangeService.buildLoginUrl", () => {
  it("asks the method that offers a login redirect, by name", async () => {
    const asked: string[] = [];
    const redirecting: SsoMethodHandler = {
      method: SsoMethod.PERSONIFY,
      resolve: resolveNothing,
      buildLoginUrl: async (returnUrl) => {
        asked.push(returnUrl);
        return `https://sso.example.org/login?back=${encodeURIComponent(returnUrl)}`;
      },
    };
    const service = serviceWith([{ method: SsoMethod.OIDC, resolve: resolveNothing }, redirecting]);
    assert.equal(
      await service.buildLoginUrl(SsoMethod.PERSONIFY, "https://m.example.org/"),
      "https://sso.example.org/login?back=https%3A%2F%2Fm.example.org%2F",
    );
    assert.deepEqual(asked, ["https://m.example.org/"]);
  });

  it("refuses a method that is not configured, or that builds no redirect, as METHOD_DISABLED", async () => {
    const service = serviceWith([{ method: SsoMethod.OIDC, resolve: resolveNothing }]);
    await assert.rejects(service.buildLoginUrl(SsoMethod.PERSONIFY, "https://m.example.org/"), (error: unknown) => {
      assert.ok(error instanceof SsoError);
      assert.deepEqual([error.code, error.message], [SsoErrorCode.METHOD_DISABLED, "PERSONIFY sign-on is not configured"]);
      return true;
    });
    await assert.rejects(service.buildLoginUrl(SsoMethod.OIDC, "https://m.example.org/"), (error: unknown) => {
      assert.ok(error instanceof SsoError);
      assert.deepEqual([error.code, error.message], [SsoErrorCode.METHOD_DISABLED, "OIDC sign-on does not use a login redirect"]);
      return true;
    });
  });

  it("lets the method's own refusal through unchanged", async () => {
    const refusal = new SsoError(SsoErrorCode.BAD_REQUEST, "The return URL is not allowed for sign-on.");
    const service = serviceWith([
      { method: SsoMethod.PERSONIFY, resolve: resolveNothing, buildLoginUrl: async () => Promise.reject(refusal) },
    ]);
    await assert.rejects(service.buildLoginUrl(SsoMethod.PERSONIFY, "https://evil.example.com/"), (error: unknown) => error === refusal);
  });
});
