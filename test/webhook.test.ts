import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { RefreshQueueEntity, SyncRunEntity } from "../src/db/entities";
import { ManualClock } from "../src/time/clock";
import { postJson, signedHeaders } from "./support/push-client";
import { startTestApp, type TestApp } from "./support/test-app";

const secret = () => `whsec_${randomBytes(24).toString("base64")}`;
const OLD_SECRET = secret();
const NEW_SECRET = secret();

describe("signed change webhook: POST /webhooks/ams", () => {
  let harness: TestApp;
  let url: string;
  let sequence = 0;
  const queue = () => harness.app.database.dataSource.getRepository(RefreshQueueEntity);
  const runs = () => harness.app.database.dataSource.getRepository(SyncRunEntity);
  const membersChanged = (keys: unknown[]) => JSON.stringify({ type: "members.changed", data: { keys } });
  const send = (body: string, headers: Record<string, string>) => postJson(url, body, headers);

  before(async () => {
    harness = await startTestApp({ env: { WEBHOOK_SECRETS: `${OLD_SECRET}, ${NEW_SECRET}` } });
    url = `${harness.baseUrl}/webhooks/ams`;
  });

  after(() => harness.stop());

  beforeEach(async () => {
    await queue().clear();
    sequence += 1;
  });

  it("queues the named members at reason PUSH in a WEBHOOK run", async () => {
    const body = membersChanged(["W-1", "W-2", 303]);
    const answer = await send(body, signedHeaders(NEW_SECRET, `msg_${sequence}`, body));
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { success: true, count: 3, errorMessage: null });
    const rows = await queue().find({ order: { memberKey: "ASC" } });
    assert.deepEqual(
      rows.map((row) => [row.memberKey, row.reason]),
      [
        ["303", "PUSH"],
        ["W-1", "PUSH"],
        ["W-2", "PUSH"],
      ],
    );
    const run = await runs().findOneByOrFail({ id: answer.headers.get("x-sync-run-id")! });
    assert.equal(run.kind, "WEBHOOK");
    assert.equal(run.queued, 3);
  });

  it("verifies with any configured secret (rotation): the old one still works", async () => {
    const body = membersChanged(["W-OLD"]);
    const answer = await send(body, signedHeaders(OLD_SECRET, `msg_${sequence}`, body));
    assert.equal(answer.status, 202);
    assert.deepEqual(
      (await queue().find()).map((row) => row.memberKey),
      ["W-OLD"],
    );
  });

  it("refuses a bad signature with 401 and queues nothing", async () => {
    const body = membersChanged(["W-BAD"]);
    const cases: Array<[string, Record<string, string>]> = [
      ["unknown secret", signedHeaders(secret(), `msg_${sequence}`, body)],
      ["body changed after signing", signedHeaders(NEW_SECRET, `msg_${sequence}`, membersChanged(["W-OTHER"]))],
      ["id changed after signing", { ...signedHeaders(NEW_SECRET, `msg_${sequence}`, body), "webhook-id": `msg_${sequence}_x` }],
      ["no signature", { "webhook-id": `msg_${sequence}`, "webhook-timestamp": String(Math.floor(Date.now() / 1000)) }],
    ];
    for (const [what, headers] of cases) {
      const answer = await send(body, headers);
      assert.equal(answer.status, 401, what);
      assert.deepEqual(Object.keys(answer.body).sort(), ["count", "errorMessage", "success"], what);
    }
    assert.equal(await queue().count(), 0);
    assert.equal(await runs().countBy({ kind: "WEBHOOK", detail: `webhook msg_${sequence}` }), 0);
  });

  it("refuses a timestamp outside the 5-minute tolerance", async () => {
    const body = membersChanged(["W-STALE"]);
    const stale = await send(body, signedHeaders(NEW_SECRET, `msg_${sequence}`, body, new Date(Date.now() - 6 * 60_000)));
    assert.equal(stale.status, 401);
    assert.match(stale.body.errorMessage, /tolerance/);
    const future = await send(body, signedHeaders(NEW_SECRET, `msg_${sequence}_f`, body, new Date(Date.now() + 6 * 60_000)));
    assert.equal(future.status, 401);
    assert.equal(await queue().count(), 0);
  });

  it("answers a replayed webhook-id 2xx and starts no second run", async () => {
    const body = membersChanged(["W-REPLAY"]);
    const headers = signedHeaders(NEW_SECRET, `msg_${sequence}`, body);
    assert.equal((await send(body, headers)).status, 202);
    await queue().clear();
    const replay = await send(body, headers);
    assert.equal(replay.status, 200);
    assert.equal(replay.body.duplicate, true);
    assert.equal(await queue().count(), 0, "nothing queued again");
    assert.equal(await runs().countBy({ kind: "WEBHOOK", detail: `webhook msg_${sequence}` }), 1, "one run");
  });

  it("starts an event poll on events.changed", async () => {
    const body = JSON.stringify({ type: "events.changed", data: { keys: ["EV-1"] } });
    const answer = await send(body, signedHeaders(NEW_SECRET, `msg_${sequence}`, body));
    assert.equal(answer.status, 202);
    const run = await runs().findOneByOrFail({ id: answer.headers.get("x-sync-run-id")! });
    assert.equal(run.kind, "EVENTS");
  });

  it("refuses a signed body that is not a change notice with 400", async () => {
    for (const body of [
      '{"type":"members.changed","data":{"keys":[]}}',
      '{"type":"other"}',
      "not json",
      '{"type":"members.changed","data":{"keys":[{"k":1}]}}',
    ]) {
      const answer = await send(body, signedHeaders(NEW_SECRET, `msg_${sequence}_${body.length}`, body));
      assert.equal(answer.status, 400, body);
    }
    assert.equal(await queue().count(), 0);
  });
});

describe("signed change webhook: the replay window follows the injected clock", () => {
  // Years from the host's clock: a window read from Date.now() would refuse all of these.
  const clock = new ManualClock("2031-03-04T05:06:07Z");
  let harness: TestApp;
  let url: string;
  const queue = () => harness.app.database.dataSource.getRepository(RefreshQueueEntity);
  const body = JSON.stringify({ type: "members.changed", data: { keys: ["W-CLOCK"] } });

  before(async () => {
    harness = await startTestApp({ env: { WEBHOOK_SECRETS: NEW_SECRET }, overrides: { clock } });
    url = `${harness.baseUrl}/webhooks/ams`;
  });

  after(() => harness.stop());

  it("accepts a delivery signed at the gateway's now, within 5 minutes either side", async () => {
    const early = await postJson(url, body, signedHeaders(NEW_SECRET, "clock_early", body, new Date(clock.now().getTime() - 4 * 60_000)));
    assert.equal(early.status, 202, JSON.stringify(early.body));
    const late = await postJson(url, body, signedHeaders(NEW_SECRET, "clock_late", body, new Date(clock.now().getTime() + 4 * 60_000)));
    assert.equal(late.status, 202, JSON.stringify(late.body));
    assert.deepEqual(
      (await queue().find()).map((row) => row.memberKey),
      ["W-CLOCK"],
    );
  });

  it("refuses a delivery signed at the host's real time, and one the clock has moved past", async () => {
    await queue().clear();
    const real = await postJson(url, body, signedHeaders(NEW_SECRET, "clock_real", body, new Date()));
    assert.equal(real.status, 401);
    assert.match(real.body.errorMessage, /tolerance/);
    const signedAt = clock.now();
    clock.advance(5 * 60_000 + 1_000);
    const stale = await postJson(url, body, signedHeaders(NEW_SECRET, "clock_stale", body, signedAt));
    assert.equal(stale.status, 401);
    assert.match(stale.body.errorMessage, /tolerance/);
    assert.equal(await queue().count(), 0);
  });

  it("still refuses a bad signature and malformed headers", async () => {
    const now = clock.now();
    const forged = { ...signedHeaders(NEW_SECRET, "clock_forged", body, now), "webhook-signature": "v1,AAAA v2,BBBB" };
    assert.equal((await postJson(url, body, forged)).status, 401);
    const garbled = { ...signedHeaders(NEW_SECRET, "clock_garbled", body, now), "webhook-timestamp": "12.5" };
    assert.match((await postJson(url, body, garbled)).body.errorMessage, /malformed/);
    assert.equal(await queue().count(), 0);
  });
});
