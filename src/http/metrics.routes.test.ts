import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { metricsAccess } from "./metrics.routes";

const request = (remoteAddress: string, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress } }) as never;

describe("metricsAccess", () => {
  it("wants the bearer token when one is configured, from anywhere", () => {
    const config = { token: "metrics-token-0123456789", loopbackOnly: false };
    assert.equal(metricsAccess(config, request("10.0.0.7", { authorization: "Bearer metrics-token-0123456789" })), "allowed");
    assert.equal(metricsAccess(config, request("127.0.0.1")), "unauthorized");
    assert.equal(metricsAccess(config, request("127.0.0.1", { authorization: "Bearer metrics-token-012345678" })), "unauthorized");
  });

  it("serves only direct loopback callers in production without a token", () => {
    const config = { token: null, loopbackOnly: true };
    assert.equal(metricsAccess(config, request("127.0.0.1")), "allowed");
    assert.equal(metricsAccess(config, request("::1")), "allowed");
    assert.equal(metricsAccess(config, request("::ffff:127.0.0.1")), "allowed");
    assert.equal(metricsAccess(config, request("10.0.0.7")), "forbidden");
    assert.equal(
      metricsAccess(config, request("127.0.0.1", { "x-forwarded-for": "203.0.113.9" })),
      "forbidden",
      "through a proxy on this host",
    );
    assert.equal(metricsAccess(config, request("127.0.0.1", { forwarded: "for=203.0.113.9" })), "forbidden");
  });

  it("is open outside production when no token is set", () => {
    assert.equal(metricsAccess({ token: null, loopbackOnly: false }, request("10.0.0.7")), "allowed");
  });
});
