import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../observability/logger";
import { readFixtureText } from "../../../test/support/fixture-files";
import { SourceError, SourceErrorCode } from "../source.error";
import { PersonifyODataClient, type PersonifyODataSettings } from "./personify-odata.client";

const ROOT = "https://pds.example.org/PersonifyDataServices/PersonifyData.svc";
const PASSWORD = "pds-very-secret";
const logger = createLogger("silent");

function settings(overrides: Partial<PersonifyODataSettings> = {}): PersonifyODataSettings {
  return { url: ROOT, username: "pds-user", password: PASSWORD, timeoutMs: 2_000, retries: 2, retryBaseMs: 0, pageSize: 2, ...overrides };
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

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
const fixture = (status: number, name: string, type: string) => () =>
  new Response(readFixtureText(`personify/__fixtures__/${name}`), { status, headers: { "content-type": type } });
const page = (ids: string[], next?: string) =>
  json(200, { d: { results: ids.map((id) => ({ MasterCustomerId: id })), ...(next ? { __next: next } : {}) } });

async function collect(client: PersonifyODataClient, filter: string | null = null): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const rows of client.list("Customers", { filter, select: ["MasterCustomerId", "ModDate"] })) {
    pages.push(rows.map((row) => (row as { MasterCustomerId: string }).MasterCustomerId));
  }
  return pages;
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

describe("PersonifyODataClient", () => {
  it("sends Basic credentials, JSON accept, $filter percent-encoded, $select and $top", async () => {
    const { fetch, requests } = replay([page(["1"])]);
    const client = new PersonifyODataClient(settings(), { logger, fetch });
    assert.deepEqual(await collect(client, "ModDate ge datetime'2026-01-01T00:00:00'"), [["1"]]);
    const headers = requests[0]!.init!.headers as Record<string, string>;
    assert.equal(headers.authorization, `Basic ${Buffer.from(`pds-user:${PASSWORD}`).toString("base64")}`);
    assert.equal(headers.accept, "application/json");
    assert.equal(
      requests[0]!.url,
      `${ROOT}/Customers?$filter=ModDate%20ge%20datetime%272026-01-01T00%3A00%3A00%27&$select=MasterCustomerId,ModDate&$top=2`,
    );
  });

  it("follows absolute and relative next links, and stops trusting $skip once the server pages", async () => {
    const { fetch, requests } = replay([
      page(["1", "2"], `${ROOT}/Customers?$skiptoken='2'`),
      page(["3"], "Customers?$skiptoken='3'"),
      page(["4"]),
    ]);
    const pages = await collect(new PersonifyODataClient(settings(), { logger, fetch }));
    assert.deepEqual(pages, [["1", "2"], ["3"], ["4"]]);
    assert.equal(decodeURIComponent(requests[2]!.url), `${ROOT}/Customers?$skiptoken='3'`);
  });

  it("pages on with $skip while full pages come without a next link; a page beyond $top means $top was ignored", async () => {
    const skipping = replay([page(["1", "2"]), page(["3", "4"]), page([])]);
    assert.deepEqual(await collect(new PersonifyODataClient(settings(), { logger, fetch: skipping.fetch })), [
      ["1", "2"],
      ["3", "4"],
    ]);
    assert.deepEqual(
      skipping.requests.map((request) => new URL(request.url).searchParams.get("$skip")),
      [null, "2", "4"],
    );
    const ignoring = replay([page(["1", "2", "3"])]);
    assert.deepEqual(await collect(new PersonifyODataClient(settings(), { logger, fetch: ignoring.fetch })), [["1", "2", "3"]]);
    assert.equal(ignoring.requests.length, 1);
    const unpaged = replay([page(["1", "2"])]);
    await collect(new PersonifyODataClient(settings({ pageSize: 0 }), { logger, fetch: unpaged.fetch }));
    assert.equal(new URL(unpaged.requests[0]!.url).searchParams.has("$top"), false);
  });

  it("refuses a next link that leaves the service or repeats itself", async () => {
    const away = replay([page(["1"], "https://elsewhere.example.net/steal?x=1")]);
    const error = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: away.fetch })));
    assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(error.message, /next link leaves the service \(https:\/\/elsewhere\.example\.net\/steal\)/);
    assert.equal(away.requests.length, 1, "the credentials never went elsewhere");
    const loop = replay([page(["1"], "Customers?$skiptoken='1'"), page(["1"], "Customers?$skiptoken='1'")]);
    assert.match(
      (await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: loop.fetch })))).message,
      /repeats one already followed/,
    );
  });

  it("401 and 403 are AUTH_REJECTED, not retried, and never echo the password", async () => {
    for (const status of [401, 403]) {
      const { fetch, requests } = replay([fixture(status, "error-401.html", "text/html")]);
      const error = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch })));
      assert.equal(error.code, SourceErrorCode.AUTH_REJECTED);
      assert.match(
        error.message,
        new RegExp(
          `GET Customers answered ${status}: "401 - Unauthorized: Access is denied due to invalid credentials\\.": PERSONIFY_USERNAME/PERSONIFY_PASSWORD rejected`,
        ),
      );
      assert.ok(!error.message.includes(PASSWORD));
      assert.equal(requests.length, 1);
    }
  });

  it("retries a 503 carrying an XML OData error, then reports what came back once retries run out", async () => {
    const unavailable = fixture(503, "error.xml", "application/xml");
    const recovered = replay([unavailable, page(["1"])]);
    assert.deepEqual(await collect(new PersonifyODataClient(settings(), { logger, fetch: recovered.fetch })), [["1"]]);
    const down = replay([unavailable, unavailable, unavailable]);
    const error = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: down.fetch })));
    assert.equal(error.code, SourceErrorCode.TEMPORARY);
    assert.equal(error.message, "GET Customers answered 503: OData error: An error occurred while processing this request.");
    assert.equal(down.requests.length, 3, "one try and two retries");
  });

  it("429 with a short Retry-After is retried in the call; a long one goes back to the caller with retryAfterMs", async () => {
    const limited = (seconds: string) => json(429, "", { "retry-after": seconds });
    const short = replay([limited("0"), page(["1"])]);
    assert.deepEqual(await collect(new PersonifyODataClient(settings(), { logger, fetch: short.fetch })), [["1"]]);
    const long = replay([limited("120"), page(["1"])]);
    const error = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: long.fetch })));
    assert.deepEqual([error.code, error.retryAfterMs, long.requests.length], [SourceErrorCode.TEMPORARY, 120_000, 1]);
    const capped = replay([limited("5"), page(["1"])]);
    const early = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: capped.fetch, maxInCallDelayMs: 1_000 })));
    assert.equal(early.retryAfterMs, 5_000, "the in-call wait cap is injectable");
  });

  it("400 and 404 name the OData error and point at the mapping; a 200 that is not JSON says what it was", async () => {
    const bad = replay([fixture(400, "error-verbose.json", "application/json")]);
    const error = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: bad.fetch })));
    assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
    assert.match(
      error.message,
      /answered 400: OData error: No property 'ModDatee' exists .*: check the entity set and field names in the Personify mapping/,
    );
    const missing = replay([fixture(404, "error-light.json", "application/json")]);
    assert.match(
      (await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: missing.fetch })))).message,
      /404: OData error: Resource not found for the segment 'Customerz'/,
    );
    const atom = replay([
      () =>
        new Response("<feed xmlns='http://www.w3.org/2005/Atom'/>", { status: 200, headers: { "content-type": "application/atom+xml" } }),
    ]);
    const notJson = await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: atom.fetch })));
    assert.match(notJson.message, /expected a JSON body, got application\/atom\+xml: "<feed/);
    const moved = replay([() => new Response("", { status: 301, headers: { location: "https://new.example.org/svc" } })]);
    assert.match(
      (await rejection(collect(new PersonifyODataClient(settings(), { logger, fetch: moved.fetch })))).message,
      /redirected to https:\/\/new\.example\.org\/svc; set PERSONIFY_URL/,
    );
  });

  it("a request that gets no answer in time is TEMPORARY and names the timeout", async () => {
    // The timeout's own timer does not hold the event loop open; this interval does, until the abort.
    const hanging = (async (_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        const keepAlive = setInterval(() => undefined, 1_000);
        init!.signal!.addEventListener("abort", () => {
          clearInterval(keepAlive);
          reject(init!.signal!.reason);
        });
      })) as typeof fetch;
    const error = await rejection(collect(new PersonifyODataClient(settings({ timeoutMs: 5, retries: 0 }), { logger, fetch: hanging })));
    assert.deepEqual([error.code, error.message], [SourceErrorCode.TEMPORARY, "GET Customers: no answer within 5 ms"]);
  });
});
