import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "../../../test/support/in-memory-ams";
import { ManualClock } from "../../time/clock";
import { fromMemberInfo } from "../member-info/member-info.mapper";
import { SourceError, SourceErrorCode } from "../source.error";
import { scriptedRandom } from "../../../test/support/scripted-random";
import { MALFORMATIONS } from "./ams-http.routes";
import { DemoAssociation } from "./demo-association";
import { DemoAmsDataset } from "./demo-dataset";

interface CallOptions {
  method?: "GET" | "POST";
  apiKey?: string | null;
  body?: unknown;
}

interface ChangesBody {
  changes: Array<{ MemberKey: string; LastUpdated: string }>;
  next: string | null;
}
interface ItemsBody {
  items: Array<{ MemberDetails: { LegacyContactKey: string } }>;
  missing: string[];
  next: string | null;
}

async function call<T = unknown>(fake: FakeAms, path: string, options: CallOptions = {}): Promise<{ status: number; body: T }> {
  const apiKey = options.apiKey === undefined ? fake.apiKey : options.apiKey;
  const response = await fetch(`${fake.url}${path}`, {
    method: options.method ?? "GET",
    headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

function fiveMembers(): InMemoryAms {
  const ams = new InMemoryAms();
  for (const [n, at] of [
    [1, "2026-01-01"],
    [2, "2026-02-01"],
    [3, "2026-03-01"],
    [4, "2026-04-01"],
    [5, "2026-05-01"],
  ] as const) {
    ams.setMember(`K${n}`, memberInfo(`K${n}`), `${at}T00:00:00Z`);
  }
  return ams;
}

describe("AmsHttpServer: auth and routes", () => {
  const ams = fiveMembers().addLogin("Ann@Example.org", "pw", "K1").addSsoToken("tok", "K2");
  let fake: FakeAms;
  before(async () => {
    fake = await startFakeAms(ams);
  });
  after(() => fake.close());

  it("answers 401 without the bearer key, or with a wrong one, on every route", async () => {
    for (const path of [
      "/changed-members",
      "/members?keys=K1",
      "/changed-events",
      "/authenticate",
      "/sso/resolve",
      "/activities",
      "/nowhere",
    ]) {
      assert.equal((await call(fake, path, { apiKey: null })).status, 401, path);
      assert.equal((await call(fake, path, { apiKey: `${fake.apiKey}x` })).status, 401, path);
    }
    assert.equal((await call(fake, "/changed-members")).status, 200);
    assert.equal((await call(fake, "/nowhere")).status, 404);
    assert.equal((await call(fake, "/members?keys=K1", { method: "POST", body: {} })).status, 405);
  });

  it("serves members and lists unknown keys as missing; refuses bad requests", async () => {
    const { status, body } = await call<ItemsBody>(fake, "/members?keys=K2,NOPE,K1,K2");
    assert.equal(status, 200);
    assert.deepEqual(
      body.items.map((i) => i.MemberDetails.LegacyContactKey),
      ["K2", "K1"],
    );
    assert.deepEqual(body.missing, ["NOPE"]);
    const tooMany = Array.from({ length: 101 }, (_, i) => `X${i}`).join(",");
    assert.equal((await call(fake, `/members?keys=${tooMany}`)).status, 400);
    assert.equal((await call(fake, "/members")).status, 400);
    assert.equal((await call(fake, "/changed-members?since=last-tuesday")).status, 400);
    assert.equal((await call(fake, "/changed-members?cursor=forged")).status, 400);
  });

  it("authenticates, resolves SSO tokens, and records activities once per idempotency key", async () => {
    assert.deepEqual(await call(fake, "/authenticate", { method: "POST", body: { username: "ann@example.org", password: "pw" } }), {
      status: 200,
      body: { MemberKey: "K1" },
    });
    assert.equal(
      (await call(fake, "/authenticate", { method: "POST", body: { username: "ann@example.org", password: "no" } })).status,
      401,
    );
    assert.deepEqual((await call(fake, "/sso/resolve", { method: "POST", body: { token: "tok" } })).body, { MemberKey: "K2" });
    assert.equal((await call(fake, "/sso/resolve", { method: "POST", body: { token: "bad" } })).status, 401);
    const activity = {
      MemberKey: "K1",
      ActivityKey: "A",
      Title: "T",
      CompletedAt: "2026-01-01T00:00:00Z",
      Credits: 2,
      IdempotencyKey: "idem-1",
    };
    assert.equal((await call(fake, "/activities", { method: "POST", body: activity })).status, 201);
    assert.equal((await call(fake, "/activities", { method: "POST", body: activity })).status, 201);
    assert.equal((await call(fake, "/activities", { method: "POST", body: { ...activity, CompletedAt: "soon" } })).status, 400);
    assert.deepEqual(ams.recorded, [
      {
        memberKey: "K1",
        activityKey: "A",
        title: "T",
        completedAt: new Date("2026-01-01T00:00:00Z"),
        credits: 2,
        creditType: null,
        idempotencyKey: "idem-1",
      },
    ]);
    assert.equal(fake.server.activityPosts.get("idem-1"), 2, "both sends arrived; one was kept");
    const listed = await call(fake, "/activities?memberKey=K1");
    assert.deepEqual(listed, {
      status: 200,
      body: {
        items: [
          {
            MemberKey: "K1",
            ActivityKey: "A",
            Title: "T",
            CompletedAt: "2026-01-01T00:00:00.000Z",
            Credits: 2,
            CreditType: null,
            IdempotencyKey: "idem-1",
          },
        ],
      },
    });
    assert.deepEqual((await call(fake, "/activities?memberKey=K2")).body, { items: [] });
  });
});

describe("AmsHttpServer: paging", () => {
  it("pages changed members by an opaque next that keeps the listing's since", async () => {
    const pagesSeen: number[] = [];
    const fake = await startFakeAms(fiveMembers(), { pageSize: 2, onChangedMembersPage: (page) => void pagesSeen.push(page) });
    try {
      const keys: string[] = [];
      let path = "/changed-members?since=2026-02-01T00:00:00Z";
      for (;;) {
        const { body } = await call<ChangesBody>(fake, path);
        keys.push(...body.changes.map((c) => c.MemberKey));
        if (body.next === null) break;
        assert.match(body.next, /^[A-Za-z0-9_-]+$/);
        // The cursor alone continues the listing; a since sent alongside is not needed.
        path = `/changed-members?cursor=${encodeURIComponent(body.next)}`;
      }
      assert.deepEqual(keys, ["K2", "K3", "K4", "K5"], "inclusive of since");
      assert.deepEqual(pagesSeen, [0, 1]);
    } finally {
      await fake.close();
    }
  });

  it("pages events too", async () => {
    const ams = new InMemoryAms();
    for (let n = 1; n <= 3; n += 1)
      ams.setEvent(`E${n}`, { EventKey: `E${n}`, Title: "t", StartsAt: "2026-01-01" }, "2026-01-01T00:00:00Z");
    const fake = await startFakeAms(ams, { pageSize: 2 });
    try {
      const first = await call<ItemsBody>(fake, "/changed-events");
      assert.equal(first.body.items.length, 2);
      const second = await call(fake, `/changed-events?cursor=${first.body.next}`);
      assert.deepEqual(second.body, { items: [{ EventKey: "E3", Title: "t", StartsAt: "2026-01-01" }], next: null });
    } finally {
      await fake.close();
    }
  });
});

describe("AmsHttpServer: faults", () => {
  it("answers 503 when the scripted draw says so, and serves normally otherwise", async () => {
    // Request 1: fault (0.05 < 0.1), kind 0.2 → 503. Request 2: no fault (0.5).
    const fake = await startFakeAms(fiveMembers(), { faultRate: 0.1, random: scriptedRandom([0.05, 0.2, 0.5]) });
    try {
      assert.equal((await call(fake, "/changed-members")).status, 503);
      assert.equal((await call(fake, "/changed-members")).status, 200);
      assert.equal(fake.server.stats.unavailable, 1);
    } finally {
      await fake.close();
    }
  });

  it("leaves a request hanging, and close() destroys it", async () => {
    const fake = await startFakeAms(fiveMembers(), { faultRate: 1, random: scriptedRandom([0, 0.9]) });
    let served = false;
    const reached = new Promise<void>((resolve) => {
      const poll = () => (fake.server.stats.hung === 1 ? resolve() : setImmediate(poll));
      poll();
    });
    const hanging = call(fake, "/changed-members").then(() => (served = true));
    await reached;
    await fake.close();
    await assert.rejects(hanging);
    assert.equal(served, false);
  });

  it("malforms records independently, in ways the validator catches, keeping each key", async () => {
    // Per record: a malformation draw (< 0.5 malforms), then which way.
    const ways = MALFORMATIONS.map((_, way) => (way + 0.5) / MALFORMATIONS.length);
    const draws = ways.flatMap((way) => [0.1, way]);
    const ams = new InMemoryAms();
    const keys = MALFORMATIONS.map((_, n) => `K${n}`);
    for (const key of [...keys, "CLEAN"]) ams.setMember(key, memberInfo(key), "2026-01-01T00:00:00Z");
    const fake = await startFakeAms(ams, { malformedRate: 0.5, random: scriptedRandom([...draws, 0.9]) });
    try {
      const { body } = await call<ItemsBody>(fake, `/members?keys=${[...keys, "CLEAN"].join(",")}`);
      assert.equal(fake.server.stats.malformed, MALFORMATIONS.length);
      body.items.slice(0, keys.length).forEach((item: unknown, n: number) => {
        assert.throws(
          () => fromMemberInfo(item),
          (error: unknown) =>
            error instanceof SourceError && error.code === SourceErrorCode.CONTRACT_VIOLATION && error.memberKey === keys[n],
        );
      });
      assert.equal(fromMemberInfo(body.items.at(-1)).memberKey, "CLEAN");
      assert.equal(fromMemberInfo(ams.memberInfo("K0")).memberKey, "K0", "the stored record itself is untouched");
    } finally {
      await fake.close();
    }
  });

  it("runs the beforeMembers hook with the keys asked for", async () => {
    const asked: string[][] = [];
    const fake = await startFakeAms(fiveMembers(), { beforeMembers: (keys) => void asked.push(keys) });
    try {
      await call(fake, "/members?keys=K3,K1");
      assert.deepEqual(asked, [["K3", "K1"]]);
    } finally {
      await fake.close();
    }
  });
});

describe("AmsHttpServer over the demo association", () => {
  it("serves demo members as MemberInfo and lists removed ones as missing", async () => {
    const association = new DemoAssociation({ seed: 2, members: 30, clock: new ManualClock("2026-11-01T12:00:00Z") });
    association.remove("M0000002");
    const fake = await startFakeAms(new DemoAmsDataset(association));
    try {
      const { body } = await call<ItemsBody>(fake, "/members?keys=M0000001,M0000002");
      assert.deepEqual(fromMemberInfo(body.items[0]), association.member("M0000001"));
      assert.deepEqual(body.missing, ["M0000002"]);
      const listing = await call<ChangesBody>(fake, "/changed-members");
      assert.equal(listing.body.changes.length, 30);
    } finally {
      await fake.close();
    }
  });
});
