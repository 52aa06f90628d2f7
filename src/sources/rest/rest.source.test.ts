import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InMemoryAms, memberInfo, restSourceConfig, startFakeAms, type FakeAms } from "../../../test/support/in-memory-ams";
import type { AmsHttpServerOptions } from "../demo/ams-http.server";
import { createLogger } from "../../observability/logger";
import { ManualClock } from "../../time/clock";
import type { AmsSource, ChangedEventsPage, MemberChange } from "../ams-source";
import type { RestSourceConfig } from "../../config/source.config";
import { DemoAssociation } from "../demo/demo-association";
import { DemoAmsDataset } from "../demo/demo-dataset";
import { DemoSource } from "../demo/demo.source";
import { readFixtureJson } from "../../../test/support/fixture-files";
import type { MemberRecord } from "../member-record";
import { SourceError, SourceErrorCode } from "../source.error";
import { scriptedRandom, seededRandom } from "../../../test/support/scripted-random";
import { RestSource } from "./rest.source";

const logger = createLogger("silent");
const NOW = "2026-11-01T12:00:00.000Z";

async function withAms(
  ams: InMemoryAms | DemoAmsDataset,
  options: Partial<AmsHttpServerOptions>,
  run: (fake: FakeAms, source: RestSource) => Promise<void>,
  configOverrides: Partial<RestSourceConfig> = {},
): Promise<void> {
  const fake = await startFakeAms(ams, options);
  try {
    await run(fake, new RestSource(restSourceConfig(fake, configOverrides), { logger }));
  } finally {
    await fake.close();
  }
}

async function allPages<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

function replaySource(bodies: unknown[]): RestSource {
  let n = 0;
  const fetchFake = (async () => {
    const body = bodies[n++];
    return typeof body === "string" ? new Response(body, { status: 200, headers: { "content-type": "text/html" } }) : Response.json(body);
  }) as typeof fetch;
  return new RestSource(
    { url: "http://ams.test", apiKey: "k", timeoutMs: 1_000, retries: 0, retryBaseMs: 0 },
    { logger, fetch: fetchFake },
  );
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (error instanceof SourceError ? error.code : String(error)),
  );

function inMemoryMembers(count: number): InMemoryAms {
  const ams = new InMemoryAms();
  for (let n = 1; n <= count; n += 1) ams.setMember(`K${n}`, memberInfo(`K${n}`), `2026-0${n}-01T00:00:00Z`);
  return ams;
}

describe("RestSource listings", () => {
  it("pages changed members by next, inclusively since", async () => {
    await withAms(inMemoryMembers(5), { pageSize: 2 }, async (_fake, source) => {
      const pages = await allPages(source.changedMembers(null));
      assert.deepEqual(
        pages.map((page) => page.map((c) => c.memberKey)),
        [["K1", "K2"], ["K3", "K4"], ["K5"]],
      );
      const since = (await allPages(source.changedMembers(new Date("2026-03-01T00:00:00Z")))).flat();
      assert.deepEqual(since, [
        { memberKey: "K3", lastUpdated: "2026-03-01T00:00:00.000Z" },
        { memberKey: "K4", lastUpdated: "2026-04-01T00:00:00.000Z" },
        { memberKey: "K5", lastUpdated: "2026-05-01T00:00:00.000Z" },
      ]);
    });
  });

  it("reads a recorded page, keeping LastUpdated as sent, and refuses a page with an unreadable entry", async () => {
    const source = replaySource([readFixtureJson("rest/__fixtures__/changed-members-page.json"), { changes: [], next: null }]);
    const changes: MemberChange[] = (await allPages(source.changedMembers(null))).flat();
    assert.deepEqual(changes, [
      { memberKey: "00012345", lastUpdated: "2026-10-30T14:22:05.1234567" },
      { memberKey: "778", lastUpdated: "2026-10-30T15:00:00-05:00" },
    ]);
    const bad = replaySource([readFixtureJson("rest/__fixtures__/changed-members-bad-entry.json")]);
    await assert.rejects(allPages(bad.changedMembers(null)), (error: unknown) => {
      assert.ok(error instanceof SourceError && error.code === SourceErrorCode.CONTRACT_VIOLATION);
      assert.match(error.message, /changes\[1\]\.LastUpdated: expected an instant .*"last week"/);
      return true;
    });
  });

  it("stops on a cursor it has already followed", async () => {
    const page = { changes: [{ MemberKey: "K1", LastUpdated: "2026-01-01T00:00:00Z" }], next: "same" };
    const source = replaySource([page, page]);
    assert.equal(await codeOf(allPages(source.changedMembers(null))), SourceErrorCode.CONTRACT_VIOLATION);
  });

  it("pages events; a malformed event fails alone", async () => {
    const ams = new InMemoryAms()
      .setEvent(
        "E1",
        { EventKey: "E1", Title: "Gala", StartsAt: "2026-05-01T19:00:00", LastUpdated: "2026-04-01T00:00:00Z" },
        "2026-04-01T00:00:00Z",
      )
      .setEvent("E2", { EventKey: "E2", StartsAt: "2026-05-02" }, "2026-04-02T00:00:00Z")
      .setEvent(
        "E3",
        { EventKey: "E3", Title: "Webinar", StartsAt: "2026-06-01", LastUpdated: "2026-04-03T00:00:00Z" },
        "2026-04-03T00:00:00Z",
      );
    await withAms(ams, { pageSize: 2 }, async (_fake, source) => {
      const pages: ChangedEventsPage[] = await allPages(source.changedEvents(null));
      assert.equal(pages.length, 2);
      assert.deepEqual(
        pages[0]!.events.map((e) => e.eventKey),
        ["E1"],
      );
      assert.equal(pages[0]!.invalid[0]!.eventKey, "E2");
      assert.match(pages[0]!.invalid[0]!.error.message, /Title: expected non-blank text/);
      assert.equal(pages[0]!.newestUpdate, "2026-04-01T00:00:00.000Z");
      assert.equal(pages[1]!.newestUpdate, "2026-04-03T00:00:00.000Z");
    });
  });
});

describe("RestSource batch fetch", () => {
  it("isolates a malformed record, reports missing keys and keys the AMS ignored", async () => {
    const ams = inMemoryMembers(3)
      .setMember("POISON", { MemberDetails: { LegacyContactKey: "POISON", MemberSince: "2026-02-30" } }, NOW)
      .setMember("WRONG-KEY", memberInfo("SOMEONE-ELSE"), NOW)
      .removeMember("K3", NOW);
    await withAms(ams, {}, async (_fake, source) => {
      const fetched = await source.fetchMembers(["K1", "POISON", "K2", "K3", "NEVER", "WRONG-KEY"]);
      assert.deepEqual(
        fetched.members.map((m) => m.memberKey),
        ["K1", "K2"],
      );
      assert.deepEqual(fetched.missing, ["K3", "NEVER"]);
      assert.deepEqual(
        fetched.invalid.map((i) => i.memberKey),
        ["POISON", "WRONG-KEY"],
      );
      const [poison, ignored] = fetched.invalid.map((i) => i.error);
      assert.equal(poison!.code, SourceErrorCode.CONTRACT_VIOLATION);
      assert.equal(poison!.memberKey, "POISON");
      assert.match(poison!.message, /MemberDetails\.MemberSince: .*no such day/);
      assert.match(
        ignored!.message,
        /expected a record or a "missing" entry for member "WRONG-KEY", got neither; 1 record\(s\) in the answer carried no requested key/,
      );
    });
  });

  it("reads Education and JobHistory from the same payload as a push, and never fails a member on them", async () => {
    const ams = new InMemoryAms()
      .setMember(
        "ED-1",
        memberInfo(
          "ED-1",
          {},
          {
            Education: [{ Institution: "State University", Degree: "MBA", GraduationDate: "2003-05-31" }],
            JobHistory: [{ Employer: "Globex", JobTitle: "CFO", IsCurrent: 1 }],
          },
        ),
        NOW,
      )
      .setMember("ED-2", memberInfo("ED-2", {}, { Education: [{ Institution: ["odd"] }], JobHistory: 7 }), NOW);
    await withAms(ams, {}, async (_fake, source) => {
      const fetched = await source.fetchMembers(["ED-1", "ED-2"]);
      const byKey = new Map(fetched.members.map((m) => [m.memberKey, m]));
      assert.deepEqual(byKey.get("ED-1")!.education, [
        { institution: "State University", degree: "MBA", fieldOfStudy: null, startDate: null, endDate: "2003-05-31" },
      ]);
      assert.deepEqual(byKey.get("ED-1")!.jobHistory, [
        { company: "Globex", title: "CFO", startDate: null, endDate: null, isCurrent: true },
      ]);
      assert.deepEqual([byKey.get("ED-2")!.education, byKey.get("ED-2")!.jobHistory], [[], []]);
      assert.deepEqual(fetched.invalid, []);
    });
  });

  it("reads a recorded answer record by record", async () => {
    const source = replaySource([readFixtureJson("rest/__fixtures__/members-answer.json")]);
    const fetched = await source.fetchMembers(["A-1", "A-2", "A-3", "A-4"]);
    assert.deepEqual(
      fetched.members.map((m) => [m.memberKey, m.email]),
      [["A-1", "ada@example.org"]],
    );
    assert.deepEqual(fetched.missing, ["A-3"]);
    assert.deepEqual(
      fetched.invalid.map((i) => i.memberKey),
      ["A-2", "A-4"],
    );
    assert.match(fetched.invalid[0]!.error.message, /IsActive: expected true or false, got text "perhaps"/);
    assert.match(fetched.invalid[1]!.error.message, /2 record\(s\) in the answer carried no requested key/);
  });

  it("refuses an answer whose envelope is wrong, and a body that is not JSON", async () => {
    assert.equal(
      await codeOf(replaySource([readFixtureJson("rest/__fixtures__/members-answer-bad-envelope.json")]).fetchMembers(["A-1"])),
      SourceErrorCode.CONTRACT_VIOLATION,
    );
    assert.equal(
      await codeOf(replaySource(["<html>Service Temporarily Unavailable</html>"]).fetchMembers(["A-1"])),
      SourceErrorCode.CONTRACT_VIOLATION,
    );
  });

  it("splits more than 100 keys into calls of 100, and refuses keys with a comma", async () => {
    const asked: number[] = [];
    await withAms(inMemoryMembers(2), { beforeMembers: (keys) => void asked.push(keys.length) }, async (_fake, source) => {
      const keys = ["K1", ...Array.from({ length: 150 }, (_, i) => `X${i}`), "K2", "A,B"];
      const fetched = await source.fetchMembers(keys);
      assert.deepEqual(asked, [100, 52]);
      assert.deepEqual(
        fetched.members.map((m) => m.memberKey),
        ["K1", "K2"],
      );
      assert.equal(fetched.missing.length, 150);
      assert.deepEqual(
        fetched.invalid.map((i) => i.memberKey),
        ["A,B"],
      );
    });
  });
});

describe("RestSource resilience", () => {
  it("retries a 503 and then succeeds", async () => {
    // Request 1: fault, 503. Request 2: no fault.
    await withAms(inMemoryMembers(2), { faultRate: 0.5, random: scriptedRandom([0, 0.1, 0.9]) }, async (fake, source) => {
      const fetched = await source.fetchMembers(["K1"]);
      assert.equal(fetched.members.length, 1);
      assert.equal(fake.server.stats.unavailable, 1);
      assert.equal(fake.server.stats.requests, 2);
    });
  });

  it("times out a hung request and retries", async () => {
    // Request 1: fault, left hanging. Request 2: no fault.
    await withAms(
      inMemoryMembers(2),
      { faultRate: 0.5, random: scriptedRandom([0, 0.9, 0.9]) },
      async (fake, source) => {
        const pages = await allPages(source.changedMembers(null));
        assert.equal(pages.flat().length, 2);
        assert.equal(fake.server.stats.hung, 1);
        assert.equal(fake.server.stats.requests, 2);
      },
      { timeoutMs: 200 },
    );
  });

  it("does not retry a rejected API key", async () => {
    await withAms(inMemoryMembers(1), {}, async (fake) => {
      const source = new RestSource(restSourceConfig(fake, { apiKey: "wrong" }), { logger });
      assert.equal(await codeOf(source.fetchMembers(["K1"])), SourceErrorCode.AUTH_REJECTED);
      assert.equal(fake.server.stats.requests, 1);
    });
  });
});

describe("RestSource sign-in and write-back", () => {
  it("authenticates and resolves SSO tokens; a 401 is AUTH_REJECTED", async () => {
    const ams = inMemoryMembers(1).addLogin("ann@example.org", "pw", "K1").addSsoToken("tok", "K1");
    await withAms(ams, {}, async (fake, source) => {
      assert.equal(await source.authenticate({ username: "ANN@example.org", password: "pw" }), "K1");
      assert.equal(await codeOf(source.authenticate({ username: "ann@example.org", password: "no" })), SourceErrorCode.AUTH_REJECTED);
      assert.equal(await source.resolveSsoToken("tok"), "K1");
      assert.equal(await codeOf(source.resolveSsoToken("forged")), SourceErrorCode.AUTH_REJECTED);
      assert.equal(fake.server.stats.requests, 4, "rejections are not retried");
    });
  });

  it("writes back an activity once per idempotency key", async () => {
    const ams = inMemoryMembers(1);
    await withAms(ams, {}, async (_fake, source) => {
      const activity = {
        memberKey: "K1",
        activityKey: "C-9",
        title: "Ethics",
        completedAt: new Date(NOW),
        credits: 1.5,
        creditType: "CPE",
        idempotencyKey: "once",
      };
      await source.writeBack(activity);
      await source.writeBack(activity);
      assert.deepEqual(ams.recorded, [activity]);
      await source.writeBack({ ...activity, creditType: null, idempotencyKey: "no-type" });
      assert.equal(ams.recorded[1]?.creditType, null);
    });
  });
});

describe("RestSource against a faulty demo AMS", () => {
  const byKey = (a: MemberRecord, b: MemberRecord) => a.memberKey.localeCompare(b.memberKey);

  async function everyRecord(source: AmsSource, refetchRounds: number): Promise<MemberRecord[]> {
    const keys = (await allPages(source.changedMembers(null))).flat().map((c) => c.memberKey);
    const records: MemberRecord[] = [];
    let pending = keys;
    for (let round = 0; round <= refetchRounds && pending.length > 0; round += 1) {
      const invalid: string[] = [];
      for (let start = 0; start < pending.length; start += source.maxBatchSize) {
        const fetched = await source.fetchMembers(pending.slice(start, start + source.maxBatchSize));
        assert.deepEqual(fetched.missing, []);
        records.push(...fetched.members);
        invalid.push(...fetched.invalid.map((i) => i.memberKey));
      }
      pending = invalid;
    }
    assert.deepEqual(pending, [], "every key read after a few re-fetches");
    return records.sort(byKey);
  }

  it("yields exactly the in-process DemoSource's records despite 10% faults and 10% malformed records", async () => {
    const demo = () => new DemoAssociation({ seed: 7, members: 600, clock: new ManualClock(NOW) });
    const expected = await everyRecord(new DemoSource(demo()), 0);
    assert.equal(expected.length, 600);
    // Requests are sequential, so the seeded draws repeat exactly; this seed injects both fault kinds.
    await withAms(
      new DemoAmsDataset(demo()),
      { faultRate: 0.1, malformedRate: 0.1, pageSize: 20, random: seededRandom(1) },
      async (fake, source) => {
        const actual = await everyRecord(source, 5);
        assert.deepEqual(actual, expected);
        const { unavailable, hung, malformed } = fake.server.stats;
        assert.ok(unavailable > 0 && hung > 0, `faults were injected (503: ${unavailable}, hung: ${hung})`);
        assert.ok(malformed > 0, "malformed records were injected");
      },
      { timeoutMs: 200, retries: 8 },
    );
  });
});
