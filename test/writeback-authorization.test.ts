import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Role } from "../src/auth/viewer";
import { askOver, gql, type Transport, untilArrived, wsClient, wsCollect } from "./support/graphql-client";
import { ADMIN_KEY } from "./support/test-app";
import {
  type CompletionAnswer,
  completion,
  LMS_KEY,
  RECORD,
  startWritebackHarness,
  type WritebackHarness,
} from "./support/writeback-harness";

const TRANSPORTS: Transport[] = ["http", "ws"];
const codeOf = (answer: { errors?: Array<{ extensions?: { code?: string } }> }) => answer.errors?.[0]?.extensions?.code ?? null;

describe("who may record and read completions, over HTTP and over graphql-ws", () => {
  let t: WritebackHarness;
  const tokens: Record<string, string | undefined> = {};

  before(async () => {
    t = await startWritebackHarness();
    const issue = async (key: string) => (await t.harness.app.sessions.issue(key, [Role.AUTHENTICATED, Role.MEMBER])).accessToken;
    tokens.self = await issue("M1");
    tokens.other = await issue("M2");
    tokens.lms = LMS_KEY;
    tokens.admin = ADMIN_KEY;
    tokens.anonymous = undefined;
    await t.ask(RECORD, { input: completion("seen-1", "M1") });
  });
  after(() => t.stop());

  for (const transport of TRANSPORTS) {
    it(`records completions for LMS keys and admins only (${transport})`, async () => {
      const expected: Record<string, string | null> = {
        lms: null,
        admin: null,
        self: "FORBIDDEN",
        other: "FORBIDDEN",
        anonymous: "UNAUTHENTICATED",
      };
      for (const [who, code] of Object.entries(expected)) {
        const answer = await askOver(transport, t.harness.url, RECORD, { input: completion(`${transport}-${who}`, "M2") }, tokens[who]);
        assert.equal(codeOf(answer), code, who);
      }
    });

    it(`shows a member's completions to the member, admins and LMS keys, and to no one else (${transport})`, async () => {
      const query = `{ recordedCompletions(memberKey: "M1") { idempotencyKey } }`;
      const expected: Record<string, string | null> = {
        lms: null,
        admin: null,
        self: null,
        other: "FORBIDDEN",
        anonymous: "UNAUTHENTICATED",
      };
      for (const [who, code] of Object.entries(expected)) {
        const answer = await askOver<{ recordedCompletions: Array<{ idempotencyKey: string }> }>(
          transport,
          t.harness.url,
          query,
          {},
          tokens[who],
        );
        assert.equal(codeOf(answer), code, who);
        if (code === null)
          assert.ok(
            answer.data?.recordedCompletions.some((row) => row.idempotencyKey === "idem-seen-1"),
            who,
          );
      }
      const field = `{ member(key: "M1") { key recordedCompletions { idempotencyKey writeback { status } } } }`;
      const own = await askOver<{ member: { recordedCompletions: unknown[] | null } }>(transport, t.harness.url, field, {}, tokens.self);
      assert.ok((own.data?.member.recordedCompletions ?? []).length >= 1, "the member sees their own");
      const peer = await askOver<{ member: { key: string; recordedCompletions: unknown[] | null } | null }>(
        transport,
        t.harness.url,
        field,
        {},
        tokens.other,
      );
      assert.equal(peer.data?.member?.key, "M1", "another member sees the directory entry…");
      assert.equal(peer.data?.member?.recordedCompletions, null, "…but not its completions");
      const lms = await askOver(transport, t.harness.url, field, {}, tokens.lms);
      assert.equal(codeOf(lms), "FORBIDDEN", "an LMS key reads no member directory");
    });

    it(`keeps dead letters and their retry for admins (${transport})`, async () => {
      for (const who of ["lms", "self"]) {
        const list = await askOver(transport, t.harness.url, `{ writebackFailures { idempotencyKey } }`, {}, tokens[who]);
        assert.equal(codeOf(list), "FORBIDDEN", who);
        const retry = await askOver(transport, t.harness.url, `mutation { retryWritebackFailures { idempotencyKey } }`, {}, tokens[who]);
        assert.equal(codeOf(retry), "FORBIDDEN", who);
      }
      const admin = await askOver(transport, t.harness.url, `{ writebackFailures { idempotencyKey } }`, {}, tokens.admin);
      assert.equal(codeOf(admin), null);
    });
  }

  it("refuses an unknown key outright (401), never as anonymous", async () => {
    const answer = await gql(t.harness.url, RECORD, { input: completion("forged") }, "not-a-real-lms-key-0123456789");
    assert.equal(answer.status, 401);
    assert.equal(codeOf(answer), "UNAUTHENTICATED");
  });

  it("gives subscribers of one document, as different viewers, each their own answer to the same event", async () => {
    // Subscribers with the same document and viewer share one execution of an event; these
    // differ by viewer, so each must still get exactly what its own execution gives.
    const query = `subscription { writebackChanged { idempotencyKey member { key firstName } } }`;
    type Heard = { writebackChanged: { idempotencyKey: string; member: { key: string; firstName: string | null } | null } };
    const who = ["admin", "admin", "lms", "self", "other"] as const;
    const connections = who.map((name) => wsClient(t.harness.url, tokens[name]));
    const heard = connections.map((connection) => wsCollect<Heard>(connection.client, query));
    try {
      let sequence = 0;
      const wanted = (event: Heard) => event.writebackChanged.idempotencyKey.startsWith("idem-shared-m1-");
      await untilArrived(Promise.all(heard.slice(0, 4).map((listener) => listener.waitFor(wanted))), async () => {
        sequence += 1;
        await t.ask(RECORD, { input: completion(`shared-m1-${sequence}`, "M1") });
      });
      const last = `idem-shared-m1-${sequence}`;
      const answerOf = (index: number) => heard[index]!.seen.find((event) => event.writebackChanged.idempotencyKey === last);
      const [admin, secondAdmin, lms, self] = [0, 1, 2, 3].map(answerOf);
      assert.equal(admin?.writebackChanged.member?.key, "M1");
      assert.equal(admin?.writebackChanged.member?.firstName, "Ada");
      assert.deepEqual(secondAdmin, admin);
      assert.deepEqual(self, admin, "the member reads their own record");
      assert.equal(lms?.writebackChanged.member ?? null, null, "an LMS key reads no member directory");
      assert.equal(lms?.writebackChanged.idempotencyKey, last, "…though it hears the completion itself");
      assert.equal(heard[0]!.errors.length, 0);
      assert.equal(heard[3]!.errors.length, 0);
      assert.deepEqual(heard[4]!.seen, [], "another member hears nothing of M1's completions");
    } finally {
      for (const listener of heard) listener.dispose();
      await Promise.all(connections.map((connection) => connection.client.dispose()));
    }
  });

  it("lets a member's subscription hear their own completions only, and refuses anonymous subscribers", async () => {
    const member = wsClient(t.harness.url, tokens.other);
    const anonymous = wsClient(t.harness.url);
    const heard = wsCollect<{ writebackChanged: CompletionAnswer }>(
      member.client,
      `subscription { writebackChanged { memberKey idempotencyKey } }`,
    );
    const refused = wsCollect(anonymous.client, `subscription { writebackChanged { memberKey } }`);
    try {
      let sequence = 0;
      await untilArrived(
        heard.waitFor((event) => event.writebackChanged.memberKey === "M2"),
        async () => {
          sequence += 1;
          await t.ask(RECORD, { input: completion(`sub-m1-${sequence}`, "M1") });
          await t.ask(RECORD, { input: completion(`sub-m2-${sequence}`, "M2") });
        },
      );
      assert.deepEqual([...new Set(heard.seen.map((event) => event.writebackChanged.memberKey))], ["M2"]);
      assert.ok(refused.errors.length > 0, "an anonymous subscription is refused");
      assert.equal(refused.seen.length, 0);
    } finally {
      heard.dispose();
      refused.dispose();
      await member.client.dispose();
      await anonymous.client.dispose();
    }
  });
});
