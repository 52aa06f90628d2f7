import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeImis, imisSourceConfig } from "../../../test/support/fake-imis";
import type { ImisSourceConfig } from "../../config/imis.config";
import { createLogger } from "../../observability/logger";
import { readFixtureText } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { ImisClient } from "./imis.client";

const logger = createLogger("silent");

async function withFake(
  run: (fake: FakeImis, clock: { ms: number }) => Promise<void>,
  options: { tokenLifetimeSeconds?: number } = {},
): Promise<void> {
  const clock = { ms: Date.parse("2026-11-02T12:00:00Z") };
  const fake = await FakeImis.start({ now: () => clock.ms, ...options });
  try {
    await run(fake, clock);
  } finally {
    await fake.close();
  }
}

function client(fake: FakeImis, clock: { ms: number }, overrides: Partial<ImisSourceConfig> = {}): ImisClient {
  return new ImisClient(imisSourceConfig(fake, overrides), { logger, now: () => clock.ms });
}

const failure = async (promise: Promise<unknown>): Promise<SourceError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error("expected a SourceError");
};

/** Replays answers in order, recording the requests. */
function replay(answers: Array<() => Response>) {
  const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetchFake = (async (url: URL | string, init?: RequestInit) => {
    requests.push({ url: String(url), init });
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    return next();
  }) as typeof fetch;
  return { requests, fetch: fetchFake };
}

const TOKEN = () => Response.json({ access_token: "t", token_type: "bearer", expires_in: 600 });
const PAGE = (items: unknown[], offset: number, hasNext: boolean, nextOffset: number) => () =>
  Response.json({
    Items: { $values: items },
    Offset: offset,
    Limit: 2,
    Count: items.length,
    TotalCount: 9,
    HasNext: hasNext,
    NextOffset: nextOffset,
  });

describe("ImisClient tokens", () => {
  it("gets a token with the password grant, reuses it, and renews it before the expiry it announced", async () => {
    await withFake(
      async (fake, clock) => {
        const imis = client(fake, clock, { tokenRefreshMarginMs: 60_000 });
        await imis.get("Party");
        await imis.get("Party");
        assert.equal(fake.stats.tokensIssued, 1);
        clock.ms += 8 * 60_000; // 2 minutes left: still beyond the margin
        await imis.get("Party");
        assert.equal(fake.stats.tokensIssued, 1);
        clock.ms += 90_000; // 30 seconds left: inside the one-minute margin
        await imis.get("Party");
        assert.equal(fake.stats.tokensIssued, 2, "renewed before iMIS would refuse it");
        assert.equal(fake.requestsTo("/token").length, 2);
      },
      { tokenLifetimeSeconds: 600 },
    );
  });

  it("shares one token request between concurrent calls", async () => {
    await withFake(async (fake, clock) => {
      const imis = client(fake, clock);
      await Promise.all([imis.get("Party"), imis.get("Event"), imis.get("GroupMember")]);
      assert.equal(fake.stats.tokensIssued, 1);
    });
  });

  it("renews a token iMIS refuses mid-session once, and succeeds", async () => {
    await withFake(async (fake, clock) => {
      const imis = client(fake, clock);
      await imis.get("Party");
      fake.revokeTokens();
      await imis.get("Party");
      assert.equal(fake.stats.tokensIssued, 2);
    });
  });

  it("is AUTH_REJECTED, not retried, when a fresh token is refused too", async () => {
    await withFake(async (fake, clock) => {
      const imis = client(fake, clock);
      fake.fail({ kind: "unauthorized", times: 2 });
      const error = await failure(imis.get("Party"));
      assert.equal(error.code, SourceErrorCode.AUTH_REJECTED);
      assert.match(
        error.message,
        /GET \/api\/Party answered 401: "Authorization has been denied for this request\.": credentials rejected \(after a fresh token\)/,
      );
      assert.equal(fake.requestsTo("/api/Party").length, 2, "one try with the old token, one with a fresh one; no retries");
    });
  });

  it("is AUTH_REJECTED with iMIS's own words when the token endpoint refuses the credentials", async () => {
    await withFake(async (fake, clock) => {
      const error = await failure(client(fake, clock, { password: "wrong" }).get("Party"));
      assert.equal(error.code, SourceErrorCode.AUTH_REJECTED);
      assert.equal(
        error.message,
        'POST /token answered 400: "invalid_grant: The user name or password is incorrect.": credentials rejected',
      );
      assert.equal(fake.requestsTo("/token").length, 1);
      assert.doesNotMatch(error.message, /wrong/, "the password is never in a message");
    });
  });

  it("refuses a token answer without an access token", async () => {
    const { fetch } = replay([() => Response.json({ token_type: "bearer", expires_in: 600 })]);
    const imis = new ImisClient(imisSourceConfig({ url: "http://imis.test", username: "u", password: "p" } as FakeImis, { retries: 0 }), {
      logger,
      fetch,
    });
    const error = await failure(imis.get("Party"));
    assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(error.message, /POST \/token answer does not match the contract: access_token: /);
  });
});

describe("ImisClient failures and retries", () => {
  it("retries 503s and a hung request, then succeeds", async () => {
    await withFake(async (fake, clock) => {
      const imis = client(fake, clock, { timeoutMs: 200 });
      fake.fail({ kind: "unavailable", times: 2 }).fail({ kind: "hang", times: 1 });
      const body = (await imis.get("Party")) as { TotalCount: number };
      assert.equal(body.TotalCount, 0);
      assert.equal(fake.stats.faultsServed, 3);
    });
  });

  it("gives up after the configured retries with TEMPORARY saying what came back", async () => {
    await withFake(async (fake, clock) => {
      const imis = client(fake, clock, { retries: 1 });
      fake.fail({ kind: "unavailable", times: 5 });
      const error = await failure(imis.get("Party"));
      assert.equal(error.code, SourceErrorCode.TEMPORARY);
      assert.match(error.message, /answered 503: "<!DOCTYPE HTML>.*Service Unavailable/);
    });
  });

  it("honours a short Retry-After within the call and hands a long one to the caller at once", async () => {
    await withFake(async (fake, clock) => {
      const imis = client(fake, clock);
      fake.fail({ kind: "tooMany", times: 1, retryAfterSeconds: 0 });
      await imis.get("Party");
      fake.fail({ kind: "tooMany", times: 1, retryAfterSeconds: 600 });
      const before = fake.requestsTo("/api/Party").length;
      const error = await failure(imis.get("Party"));
      assert.deepEqual([error.code, error.retryAfterMs], [SourceErrorCode.TEMPORARY, 600_000]);
      assert.equal(fake.requestsTo("/api/Party").length, before + 1, "no in-call retry of a ten-minute pause");
    });
  });

  it("turns iMIS error bodies into messages: an API fault, a refused filter, a non-JSON answer", async () => {
    const answers = replay([
      TOKEN,
      () => new Response(readFixtureText("imis/__fixtures__/error-500.json"), { status: 500 }),
      () => new Response(readFixtureText("imis/__fixtures__/error-400.json"), { status: 400 }),
      () => new Response("<html>maintenance</html>", { status: 200, headers: { "content-type": "text/html" } }),
    ]);
    const imis = new ImisClient(imisSourceConfig({ url: "http://imis.test", username: "u", password: "p" } as FakeImis, { retries: 0 }), {
      logger,
      fetch: answers.fetch,
    });
    const fault = await failure(imis.get("Party"));
    assert.equal(fault.code, SourceErrorCode.TEMPORARY);
    assert.match(fault.message, /answered 500: "An error has occurred\.: Execution Timeout Expired\./);
    const refused = await failure(imis.get("Party", { UpdatedOnn: "ge:2026-01-01" }));
    assert.equal(refused.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(refused.message, /answered 400: "The request is invalid\.: Property 'UpdatedOnn' not found .*": expected 2xx/);
    const html = await failure(imis.get("Party"));
    assert.equal(html.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.equal(html.message, 'GET /api/Party: expected a JSON body, got text/html: "<html>maintenance</html>"');
    assert.equal(new URL(answers.requests[2]!.url).searchParams.get("UpdatedOnn"), "ge:2026-01-01");
  });
});

describe("ImisClient paging", () => {
  it("follows NextOffset while HasNext, and refuses a NextOffset that does not move", async () => {
    const good = replay([TOKEN, PAGE([1, 2], 0, true, 2), PAGE([3], 2, false, 0)]);
    const imis = new ImisClient(imisSourceConfig({ url: "http://imis.test", username: "u", password: "p" } as FakeImis, { retries: 0 }), {
      logger,
      fetch: good.fetch,
    });
    const pages = [];
    for await (const page of imis.pages("Party", { UpdatedOn: "ge:2026-01-01T00:00:00" }, 2)) pages.push(page.items);
    assert.deepEqual(pages, [[1, 2], [3]]);
    const asked = good.requests.slice(1).map((request) => new URL(request.url).search);
    assert.deepEqual(asked, [
      "?UpdatedOn=ge%3A2026-01-01T00%3A00%3A00&offset=0&limit=2",
      "?UpdatedOn=ge%3A2026-01-01T00%3A00%3A00&offset=2&limit=2",
    ]);

    const stuck = replay([TOKEN, PAGE([1, 2], 0, true, 2), PAGE([3, 4], 2, true, 2)]);
    const looping = new ImisClient(
      imisSourceConfig({ url: "http://imis.test", username: "u", password: "p" } as FakeImis, { retries: 0 }),
      { logger, fetch: stuck.fetch },
    );
    const error = await failure(
      (async () => {
        for await (const _page of looping.pages("Party", {}, 2)) void _page;
      })(),
    );
    assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(error.message, /HasNext with NextOffset 2, expected more than 2/);
  });
});
