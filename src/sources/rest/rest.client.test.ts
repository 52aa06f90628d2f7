import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import type { RestSourceConfig } from "../../config/source.config";
import { createLogger } from "../../observability/logger";
import { readFixtureText } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { amsBackoff, RestClient, retryAfterMs, retryDelayMs } from "./rest.client";

const API_KEY = "sk-live-very-secret-key";

function config(overrides: Partial<RestSourceConfig> = {}): RestSourceConfig {
  return { url: "http://ams.test/api", apiKey: API_KEY, timeoutMs: 2_000, retries: 2, retryBaseMs: 0, ...overrides };
}

/** A fetch that replays answers in order and records what was asked. */
function replay(answers: Array<() => Response>) {
  const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetchFake = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), init });
    const next = answers[requests.length - 1];
    if (!next) throw new Error("no recorded answer left");
    return next();
  }) as typeof fetch;
  return { fetch: fetchFake, requests };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const text =
  (status: number, body: string, type = "text/html") =>
  () =>
    new Response(body, { status, headers: { "content-type": type } });

function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger("trace", { write: (line: string) => void lines.push(line) }) };
}

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("RestClient", () => {
  it("sends the bearer key and query, and parses JSON", async () => {
    const { fetch, requests } = replay([json(200, { ok: true })]);
    const client = new RestClient(config(), { logger: createLogger("silent"), fetch });
    const answer = await client.get("/changed-members", { since: "2026-01-01T00:00:00.000Z", cursor: null });
    assert.deepEqual(answer, { status: 200, body: { ok: true } });
    assert.equal(requests[0]!.url, "http://ams.test/api/changed-members?since=2026-01-01T00%3A00%3A00.000Z");
    assert.equal((requests[0]!.init!.headers as Record<string, string>).authorization, `Bearer ${API_KEY}`);
  });

  it("401 and 403 are AUTH_REJECTED and not retried", async () => {
    for (const status of [401, 403]) {
      const { fetch, requests } = replay([text(status, readFixtureText("member-info/__fixtures__/error-401.json"), "application/json")]);
      const error = await rejection(new RestClient(config(), { logger: createLogger("silent"), fetch }).get("/members"));
      assert.equal(error.code, SourceErrorCode.AUTH_REJECTED);
      assert.match(error.message, new RegExp(`GET /members answered ${status}.*The API key is missing or not valid`));
      assert.equal(requests.length, 1);
    }
  });

  it("404 is NOT_FOUND; another 4xx is a contract violation; neither is retried", async () => {
    const notFound = replay([json(404, { error: "not_found" })]);
    assert.equal(
      (await rejection(new RestClient(config(), { logger: createLogger("silent"), fetch: notFound.fetch }).get("/x"))).code,
      SourceErrorCode.NOT_FOUND,
    );
    const bad = replay([json(400, { error: "bad_request" })]);
    assert.equal(
      (await rejection(new RestClient(config(), { logger: createLogger("silent"), fetch: bad.fetch }).get("/x"))).code,
      SourceErrorCode.CONTRACT_VIOLATION,
    );
    assert.equal(notFound.requests.length + bad.requests.length, 2);
  });

  it("retries 429 and 5xx, then succeeds", async () => {
    const html502 = readFixtureText("member-info/__fixtures__/error-502.html");
    const { fetch, requests } = replay([json(429, {}), text(502, html502), json(200, { done: 1 })]);
    const answer = await new RestClient(config(), { logger: createLogger("silent"), fetch }).get("/members");
    assert.deepEqual(answer.body, { done: 1 });
    assert.equal(requests.length, 3);
  });

  it("gives up after the configured retries with TEMPORARY", async () => {
    const { fetch, requests } = replay([json(503, {}), json(503, {}), json(503, {})]);
    const error = await rejection(new RestClient(config({ retries: 2 }), { logger: createLogger("silent"), fetch }).get("/members"));
    assert.equal(error.code, SourceErrorCode.TEMPORARY);
    assert.equal(requests.length, 3);
  });

  it("a body that is not JSON is a CONTRACT_VIOLATION, quoting a little of it", async () => {
    const { fetch } = replay([text(200, readFixtureText("member-info/__fixtures__/error-502.html"))]);
    const error = await rejection(new RestClient(config(), { logger: createLogger("silent"), fetch }).get("/members"));
    assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(error.message, /GET \/members: expected a JSON body, got text\/html: "<html> <head><title>502 Bad Gateway/);
  });

  it("a refused connection is TEMPORARY", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new RestClient(config({ url: `http://127.0.0.1:${port}`, retries: 0 }), { logger: createLogger("silent") });
    const error = await rejection(client.get("/members"));
    assert.equal(error.code, SourceErrorCode.TEMPORARY);
    assert.match(error.message, /could not reach the AMS \(ECONNREFUSED\)/);
  });

  it("never logs or reports the API key, even while retrying", async () => {
    const { lines, logger } = capturingLogger();
    const { fetch } = replay([json(503, { key: "no" }), json(500, {}), json(401, {})]);
    const error = await rejection(new RestClient(config(), { logger, fetch }).get("/members"));
    assert.ok(lines.length >= 2, "each retry is logged");
    for (const line of lines) assert.doesNotMatch(line, /very-secret|[Bb]earer/);
    assert.doesNotMatch(`${error.message} ${String(error.cause)}`, /very-secret/);
  });

  it("reads Retry-After as seconds or an HTTP date, capped at an hour; ignores what it cannot read", () => {
    const now = Date.parse("2026-11-23T12:00:00Z");
    assert.equal(retryAfterMs("120", now), 120_000);
    assert.equal(retryAfterMs(" 0 ", now), 0);
    assert.equal(retryAfterMs("Mon, 23 Nov 2026 12:01:30 GMT", now), 90_000);
    assert.equal(retryAfterMs("Mon, 23 Nov 2026 11:00:00 GMT", now), 0, "a date in the past means now");
    assert.equal(retryAfterMs("999999", now), 3_600_000);
    assert.equal(retryAfterMs(null, now), undefined);
    assert.equal(retryAfterMs("soon", now), undefined);
    assert.equal(retryAfterMs("-5", now), undefined);
  });

  it("waits at least what the AMS asked between in-call retries", () => {
    const first = amsBackoff(500, 30_000, () => 0);
    const asked = new SourceError(SourceErrorCode.TEMPORARY, "429", { retryAfterMs: 7_000 });
    const silent = new SourceError(SourceErrorCode.TEMPORARY, "503");
    const signal = new AbortController().signal;
    assert.equal(first.next({ attempt: 1, signal, result: { error: asked } }).duration, 7_000);
    const second = first.next({ attempt: 1, signal, result: { error: silent } });
    assert.equal(second.duration, 400, "no Retry-After: the jittered exponential delay");
    assert.equal(second.next({ attempt: 2, signal, result: { error: silent } }).duration, 800);
  });

  it("retries in-call after a short Retry-After, but hands a long one to the caller at once", async () => {
    const retryAfter = (seconds: string) => () => new Response("{}", { status: 429, headers: { "retry-after": seconds } });
    const short = replay([retryAfter("0"), json(200, { done: 1 })]);
    assert.deepEqual((await new RestClient(config(), { logger: createLogger("silent"), fetch: short.fetch }).get("/members")).body, {
      done: 1,
    });
    assert.equal(short.requests.length, 2);

    const long = replay([retryAfter("600"), json(200, { done: 1 })]);
    const error = await rejection(new RestClient(config(), { logger: createLogger("silent"), fetch: long.fetch }).get("/members"));
    assert.deepEqual([error.code, error.retryAfterMs, long.requests.length], [SourceErrorCode.TEMPORARY, 600_000, 1]);
  });

  it("backs off exponentially from retryBaseMs, jittered by the injected randomness, capped", () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((attempt) => retryDelayMs(500, attempt, () => 0, 30_000)),
      [400, 800, 1_600, 3_200],
    );
    assert.deepEqual(
      [0, 1, 2].map((attempt) => retryDelayMs(500, attempt, () => 0.999_999, 30_000)),
      [600, 1_200, 2_400],
    );
    assert.equal(
      retryDelayMs(500, 20, () => 1, 30_000),
      30_000,
    );
    assert.equal(
      retryDelayMs(0, 5, () => 0.5, 30_000),
      0,
      "retryBaseMs 0 never waits",
    );
  });
});
