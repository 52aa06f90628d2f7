import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { gql } from "./support/graphql-client";
import { startTestApp, type TestApp } from "./support/test-app";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const EXCHANGE = `mutation($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken } }`;

/** Two processes of one deployment (one database, one Redis): credential limits count across both. */
describe("credential sign-on limits shared through Redis", () => {
  let first: TestApp;
  let second: TestApp;

  before(async () => {
    const env = {
      REDIS_URL,
      // Its own namespace per run, so counts of parallel runs on the shared Redis never mix.
      PUBSUB_NAMESPACE: `test-${randomBytes(6).toString("hex")}`,
      SSO_CREDENTIALS_ENABLED: "true",
      SSO_MAX_FAILURES_PER_USERNAME: "3",
      SSO_MAX_ATTEMPTS_PER_CLIENT: "8",
    };
    first = await startTestApp({ env });
    second = await startTestApp({ env, keepData: true });
  });

  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  const attempt = async (app: TestApp, username: string) => {
    const answer = await gql(app.url, EXCHANGE, { input: { method: "CREDENTIALS", username, password: "not-the-password" } });
    return (answer.errors?.[0]?.extensions as { reason?: string; code?: string } | undefined) ?? {};
  };

  it("reaches the failures-per-username limit across both processes together", async () => {
    const outcomes = [
      await attempt(first, "victim@example.org"),
      await attempt(second, "victim@example.org"),
      await attempt(first, "victim@example.org"),
    ];
    assert.deepEqual(
      outcomes.map((outcome) => outcome.reason),
      ["CREDENTIALS_REJECTED", "CREDENTIALS_REJECTED", "CREDENTIALS_REJECTED"],
    );
    // Each process saw fewer than three failures; together they saw three.
    assert.equal((await attempt(second, "victim@example.org")).code, "RATE_LIMITED");
    assert.equal((await attempt(first, "victim@example.org")).code, "RATE_LIMITED");
  });

  it("reaches the attempts-per-client limit across both processes together", async () => {
    const seen: string[] = [];
    for (let index = 0; seen.at(-1) !== "RATE_LIMITED" && index < 12; index += 1) {
      const outcome = await attempt(index % 2 === 0 ? first : second, `someone-${index}@example.org`);
      seen.push(outcome.code === "RATE_LIMITED" ? "RATE_LIMITED" : (outcome.reason ?? "?"));
    }
    // Every attempt counts, refused or not: five in the test above, eight allowed per window, so
    // the fourth here is refused (per process, each would still have allowed more).
    assert.deepEqual(seen, ["CREDENTIALS_REJECTED", "CREDENTIALS_REJECTED", "CREDENTIALS_REJECTED", "RATE_LIMITED"]);
  });
});
