import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WritebackOutboxEntity } from "../src/db/entities";
import { gqlData, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { ADMIN_KEY } from "./support/test-app";
import {
  type CompletionAnswer,
  COMPLETION_FIELDS,
  completion,
  LMS_KEY,
  RECORD,
  RECORD_MANY,
  startWritebackHarness,
  type WritebackHarness,
} from "./support/writeback-harness";

const HOUR_MS = 60 * 60_000;
const recorded = (t: WritebackHarness, key: string) =>
  t.ask<{ recordedCompletion: CompletionAnswer | null }>(
    `query ($k: ID!) { recordedCompletion(idempotencyKey: $k) { ${COMPLETION_FIELDS} } }`,
    {
      k: key,
    },
  );
const statusOf = async (t: WritebackHarness, key: string) => (await recorded(t, key)).data?.recordedCompletion?.writeback;

describe("writeback in batch mode: accepted = committed, sent on the schedule, once per idempotency key", () => {
  let t: WritebackHarness;
  before(async () => {
    t = await startWritebackHarness();
  });
  after(() => t.stop());

  it("commits a completion at once and sends it to POST /activities only when the schedule comes round", async () => {
    const answer = await t.ask<{ recordCompletion: CompletionAnswer }>(RECORD, { input: completion("batch-1") });
    assert.equal(answer.errors, undefined);
    assert.equal(answer.data!.recordCompletion.writeback.status, "PENDING");
    const rows = await t.harness.app.database.dataSource.getRepository(WritebackOutboxEntity).findBy({ idempotencyKey: "idem-batch-1" });
    assert.equal(rows.length, 1, "the outbox row is committed with the completion");
    assert.equal(t.ams.recorded.length, 0, "nothing is sent before the schedule");

    t.timers.advance(HOUR_MS);
    await t.harness.app.writeback.idle();
    assert.deepEqual(
      t.ams.recorded.map((activity) => [
        activity.idempotencyKey,
        activity.memberKey,
        activity.activityKey,
        activity.credits,
        activity.creditType,
      ]),
      [["idem-batch-1", "M1", "COURSE-batch-1", 1.5, "CEU"]],
    );
    const sent = await statusOf(t, "idem-batch-1");
    assert.equal(sent?.status, "SENT");
    assert.equal(sent?.attempts, 1);
    // The demo AMS serves what it holds back over HTTP.
    const listed = await fetch(`${t.fake.url}/activities?memberKey=M1`, { headers: { authorization: `Bearer ${t.fake.apiKey}` } });
    const body = (await listed.json()) as { items: Array<{ IdempotencyKey: string; CreditType: string }> };
    assert.deepEqual(
      body.items.map((item) => [item.IdempotencyKey, item.CreditType]),
      [["idem-batch-1", "CEU"]],
    );
  });

  it("answers the same key with the same content as before and changes nothing; other content is a conflict", async () => {
    const first = await t.ask<{ recordCompletion: CompletionAnswer }>(RECORD, { input: completion("idem") });
    const again = await t.ask<{ recordCompletion: CompletionAnswer }>(RECORD, { input: completion("idem") });
    assert.deepEqual(again.data, first.data);
    const changed = await t.ask(RECORD, { input: completion("idem", "M1", { title: "Another course" }) });
    assert.equal(changed.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.equal((changed.errors?.[0]?.extensions as { reason?: string } | undefined)?.reason, "IDEMPOTENCY_CONFLICT");
    assert.match(changed.errors![0]!.message, /already used for a completion with other content/);

    t.timers.advance(HOUR_MS);
    await t.harness.app.writeback.idle();
    const replay = await t.ask<{ recordCompletions: Array<{ outcome: string }> }>(RECORD_MANY, { inputs: [completion("idem")] });
    assert.deepEqual(
      replay.data?.recordCompletions.map((row) => row.outcome),
      ["REPLAYED"],
    );
    t.timers.advance(HOUR_MS);
    await t.harness.app.writeback.idle();
    assert.equal(t.ams.recorded.filter((activity) => activity.idempotencyKey === "idem-idem").length, 1);
    assert.equal(t.fake.server.activityPosts.get("idem-idem"), 1, "a replay sends nothing again");
  });

  it("judges each input of a batch on its own: bad input, unknown member and a conflict within the call never block the good", async () => {
    const inputs = [
      completion("good-1"),
      completion("neg", "M1", { credits: -2 }),
      completion("nobody", "NO-SUCH-MEMBER"),
      completion("long", "M2", { title: "x".repeat(501) }),
      completion("good-2", "M2"),
      completion("good-1", "M1", { title: "changed within the call" }),
      completion("good-2", "M2"),
      completion("blank", "M3", { activityKey: "  " }),
    ];
    const answer = await t.ask<{
      recordCompletions: Array<{ idempotencyKey: string; outcome: string; error: { code: string; message: string } | null }>;
    }>(RECORD_MANY, { inputs });
    assert.equal(answer.errors, undefined);
    assert.deepEqual(
      answer.data!.recordCompletions.map((row) => [row.idempotencyKey, row.outcome, row.error?.code ?? null]),
      [
        ["idem-good-1", "ACCEPTED", null],
        ["idem-neg", "REFUSED", "INVALID_INPUT"],
        ["idem-nobody", "REFUSED", "MEMBER_NOT_FOUND"],
        ["idem-long", "REFUSED", "INVALID_INPUT"],
        ["idem-good-2", "ACCEPTED", null],
        ["idem-good-1", "REFUSED", "IDEMPOTENCY_CONFLICT"],
        ["idem-good-2", "REPLAYED", null],
        ["idem-blank", "REFUSED", "INVALID_INPUT"],
      ],
    );
    const messages = answer.data!.recordCompletions.map((row) => row.error?.message ?? "");
    assert.match(messages[1]!, /credits must be a number from 0/);
    assert.match(messages[2]!, /No member with key "NO-SUCH-MEMBER"/);
    assert.match(messages[3]!, /title is longer than 500 characters/);
    assert.match(messages[7]!, /activityKey is required/);
    const kept = await t.harness.app.database.dataSource.getRepository(WritebackOutboxEntity).countBy({ memberKey: "NO-SUCH-MEMBER" });
    assert.equal(kept, 0);
  });

  it("refuses a key that differs from a used one only in letter case (MySQL compares keys ignoring case)", async () => {
    await t.ask(RECORD, { input: completion("Case") });
    const answer = await t.ask<{ recordCompletions: Array<{ outcome: string; error: { code: string; message: string } | null }> }>(
      RECORD_MANY,
      { inputs: [completion("case"), completion("case-other")] },
    );
    assert.equal(answer.errors, undefined);
    assert.deepEqual(
      answer.data?.recordCompletions.map((row) => [row.outcome, row.error?.code ?? null]),
      [
        ["REFUSED", "IDEMPOTENCY_CONFLICT"],
        ["ACCEPTED", null],
      ],
    );
    assert.match(answer.data!.recordCompletions[0]!.error!.message, /differs only in letter case/);
  });

  it("refuses a bad single input and an oversized batch with BAD_USER_INPUT, recording nothing", async () => {
    const bad = await t.ask(RECORD, { input: completion("future", "M1", { completedAt: "2999-01-01T00:00:00Z" }) });
    assert.equal(bad.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(bad.errors![0]!.message, /completedAt .* is in the future/);
    const unknown = await t.ask(RECORD, { input: completion("ghost", "GHOST") });
    assert.equal(unknown.errors?.[0]?.extensions?.code, "NOT_FOUND");
    const tooMany = await t.ask(RECORD_MANY, { inputs: Array.from({ length: 11 }, (_, index) => completion(`many-${index}`)) });
    assert.equal(tooMany.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(tooMany.errors![0]!.message, /At most 10 completions per call/);
    assert.equal(await statusOf(t, "idem-many-0"), undefined);
  });
});

describe("writeback failures: retried through the refresh policy, dead-lettered, retried by an admin", () => {
  let t: WritebackHarness;
  before(async () => {
    t = await startWritebackHarness();
  });
  after(() => t.stop());

  it("backs off a refused send, dead-letters it after WRITEBACK_MAX_ATTEMPTS, and sends it once an admin retries it", async () => {
    const dispatcher = t.harness.app.writeback.dispatcher;
    await t.ask(RECORD, { input: completion("refused", "M2") });
    const refused = { status: 422, body: { error: "unprocessable", message: "unknown activity type" } };
    t.activityFaults.push(refused, refused, refused);

    assert.deepEqual(await dispatcher.drain(), { claimed: 1, sent: 0, retrying: 1, dead: 0 });
    const first = await statusOf(t, "idem-refused");
    assert.deepEqual([first?.status, first?.attempts, first?.lastErrorCode], ["PENDING", 1, "CONTRACT_VIOLATION"]);
    assert.equal(
      new Date(first!.nextAttemptAt!).getTime(),
      t.clock.now().getTime() + 1_000,
      "the one back-off, from WRITEBACK_BACKOFF_BASE",
    );
    assert.equal((await dispatcher.drain()).claimed, 0, "not before its next attempt");

    t.clock.advance(1_000);
    await dispatcher.drain();
    t.clock.advance(2_000);
    assert.deepEqual(await dispatcher.drain(), { claimed: 1, sent: 0, retrying: 0, dead: 1 });
    const dead = await gqlData<{ writebackFailures: CompletionAnswer[]; writebackQueue: { deadLetterCount: number } }>(
      t.harness.url,
      `{ writebackFailures { ${COMPLETION_FIELDS} } writebackQueue { deadLetterCount } }`,
      {},
      ADMIN_KEY,
    );
    assert.deepEqual(
      dead.writebackFailures.map((row) => [row.idempotencyKey, row.writeback.status, row.writeback.attempts, row.writeback.lastErrorCode]),
      [["idem-refused", "DEAD", 3, "CONTRACT_VIOLATION"]],
    );
    assert.equal(dead.writebackQueue.deadLetterCount, 1);
    assert.equal(t.ams.recorded.length, 0);

    const lms = await t.ask(`mutation { retryWritebackFailures { idempotencyKey } }`);
    assert.equal(lms.errors?.[0]?.extensions?.code, "FORBIDDEN", "only admins retry dead letters");
    const retried = await gqlData<{ retryWritebackFailures: CompletionAnswer[] }>(
      t.harness.url,
      `mutation { retryWritebackFailures(idempotencyKeys: ["idem-refused"]) { ${COMPLETION_FIELDS} } }`,
      {},
      ADMIN_KEY,
    );
    assert.deepEqual(
      retried.retryWritebackFailures.map((row) => [row.writeback.status, row.writeback.attempts]),
      [["PENDING", 0]],
    );
    assert.deepEqual(await dispatcher.drain(), { claimed: 1, sent: 1, retrying: 0, dead: 0 });
    assert.deepEqual(
      t.ams.recorded.map((activity) => activity.idempotencyKey),
      ["idem-refused"],
    );
    assert.equal((await statusOf(t, "idem-refused"))?.status, "SENT");
  });

  it("holds a send through an AMS outage without counting it against the completion", async () => {
    const dispatcher = t.harness.app.writeback.dispatcher;
    await t.ask(RECORD, { input: completion("outage", "M3") });
    t.activityFaults.push({ status: 503, body: { error: "unavailable" } });
    assert.deepEqual(await dispatcher.drain(), { claimed: 1, sent: 0, retrying: 1, dead: 0 });
    const held = await statusOf(t, "idem-outage");
    assert.deepEqual([held?.status, held?.attempts, held?.lastErrorCode], ["PENDING", 0, "TEMPORARY"]);
    t.clock.advance(1_000);
    assert.equal((await dispatcher.drain()).sent, 1);
    assert.equal((await statusOf(t, "idem-outage"))?.status, "SENT");
  });
});

describe("writeback in immediate mode", () => {
  let t: WritebackHarness;
  before(async () => {
    t = await startWritebackHarness({ WRITEBACK_MODE: "immediate", WRITEBACK_POLL: "1h" }, false);
  });
  after(() => t.stop());

  it("sends on commit, with no timer to wait for, and the LMS hears SENT over graphql-ws", async () => {
    const { client } = wsClient(t.harness.url, LMS_KEY);
    const events = wsCollect<{ writebackChanged: CompletionAnswer }>(
      client,
      `subscription { writebackChanged(memberKey: "M1") { ${COMPLETION_FIELDS} } }`,
    );
    try {
      let sequence = 0;
      const sent = await untilArrived(
        events.waitFor((event) => event.writebackChanged.writeback.status === "SENT"),
        async () => t.ask(RECORD, { input: completion(`now-${sequence++}`) }),
      );
      assert.equal(sent.writebackChanged.memberKey, "M1");
      assert.ok(t.ams.recorded.some((activity) => activity.idempotencyKey === sent.writebackChanged.idempotencyKey));
      assert.deepEqual(events.errors, []);
    } finally {
      events.dispose();
      await client.dispose();
    }
  });
});

describe("writeback on the embedded SQLite database", () => {
  let t: WritebackHarness;
  before(async () => {
    t = await startWritebackHarness({}, true, "sqlite");
  });
  after(() => t.stop());

  it("accepts, claims, backs off and sends as on MySQL", async () => {
    const dispatcher = t.harness.app.writeback.dispatcher;
    const answer = await t.ask<{ recordCompletions: Array<{ outcome: string }> }>(RECORD_MANY, {
      inputs: [completion("lite-1"), completion("lite-2", "M2"), completion("lite-1")],
    });
    assert.deepEqual(
      answer.data?.recordCompletions.map((row) => row.outcome),
      ["ACCEPTED", "ACCEPTED", "REPLAYED"],
    );
    t.activityFaults.push({ status: 400, body: { error: "bad_request" } });
    assert.deepEqual(await dispatcher.drain(), { claimed: 2, sent: 1, retrying: 1, dead: 0 });
    assert.equal((await dispatcher.drain()).claimed, 0);
    t.clock.advance(1_000);
    assert.deepEqual(await dispatcher.drain(), { claimed: 1, sent: 1, retrying: 0, dead: 0 });
    assert.deepEqual(t.ams.recorded.map((activity) => activity.idempotencyKey).sort(), ["idem-lite-1", "idem-lite-2"]);
  });
});
