import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MemberChange } from "../sources/ams-source";
import type { MemberRecord } from "../sources/member-record";
import { FullLoad, type FullLoadDeps, LOAD_BATCH, type LoadCheckpoint } from "./full-load";
import type { LoadedPage } from "./refresh-intake";

interface Written {
  keys: string[];
  discovered: number;
  cursor: string | null | undefined;
  /** Whether the batch's records were prepared (their references committed) before its transaction began. */
  prepared: boolean;
}

/**
 * A FullLoad on fakes: the source answers every key, each transaction is recorded with what it
 * wrote (and the cursor it recorded, if any), and transactions wait until `release` lets the
 * oldest one commit, so how many are in flight at once can be counted.
 */
function harness(batchSize?: number, options: { held?: string[] } = {}) {
  const written: Written[] = [];
  /** What happened, in order: `fetch <first key>`, `begin`, `commit <first key written>`. */
  const timeline: string[] = [];
  const queued: string[][] = [];
  const fetched: string[][] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const waiting: Array<() => void> = [];
  /** Records whose references were prepared, and not yet written by a transaction. */
  const prepared = new Set<MemberRecord>();
  const deps = {
    source: {
      maxBatchSize: 100,
      fetchMembers: async (keys: readonly string[]) => {
        fetched.push([...keys]);
        timeline.push(`fetch ${keys[0]}`);
        return { members: keys.map((memberKey) => ({ memberKey, sourceUpdatedAt: null }) as unknown as MemberRecord), missing: [] };
      },
    },
    transactions: {
      run: async <T>(work: (manager: unknown) => Promise<T>): Promise<T> => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        const entry: Written = { keys: [], discovered: 0, cursor: undefined, prepared: false };
        const manager = { entry };
        timeline.push("begin");
        try {
          const result = await work(manager);
          await new Promise<void>((resolve) => waiting.push(resolve));
          written.push(entry);
          timeline.push(`commit ${entry.keys[0]}`);
          return result;
        } finally {
          inFlight -= 1;
        }
      },
    },
    intake: {
      writeLoaded: async (manager: { entry: Written }, page: LoadedPage) => {
        if (page.retry.length > 0) queued.push([...page.retry]);
        manager.entry.keys = page.records.map((record) => record.memberKey);
        manager.entry.prepared = page.records.every((record) => prepared.delete(record));
        manager.entry.discovered = page.discovered;
        return { changes: [], outcomes: new Map() };
      },
      queued: () => undefined,
      queuedOf: async (keys: readonly string[]) => new Set(keys.filter((key) => options.held?.includes(key))),
      prepareLoaded: async (records: readonly MemberRecord[]) => {
        for (const record of records) prepared.add(record);
      },
    },
    cursors: {
      recordPoll: async (manager: { entry: Written }, _stream: string, cursor: string | null) => {
        manager.entry.cursor = cursor;
      },
    },
    events: { memberChanged: () => undefined },
    logger: { warn: () => undefined },
    ...(batchSize === undefined ? {} : { batchSize }),
  } as unknown as FullLoadDeps;
  /** Lets transactions commit, oldest first, until `done` settles. */
  const drain = async <T>(done: Promise<T>): Promise<T> => {
    let settled = false;
    const watched = done.finally(() => {
      settled = true;
    });
    // Thrown where the caller awaits it, after the loop below.
    watched.catch(() => undefined);
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      waiting.shift()?.();
    }
    return watched;
  };
  return { load: new FullLoad(deps), written, fetched, queued, timeline, drain, mostInFlight: () => mostInFlight };
}

const listing = (from: number, count: number): MemberChange[] =>
  Array.from({ length: count }, (_, index) => ({
    memberKey: `K${String(from + index).padStart(5, "0")}`,
    lastUpdated: "2026-11-01T00:00:00Z",
  }));

const checkpoint = (): LoadCheckpoint => ({ startedAt: new Date("2026-12-01T00:00:00Z"), resumed: false });

describe("full load: listed pages written in batches", () => {
  it(`writes a page of 1,000 listed members in transactions of at most ${LOAD_BATCH}, two at once`, async () => {
    const t = harness();
    const load = checkpoint();
    const first = listing(0, 1_000);
    const last = listing(1_000, 200);
    await t.drain(t.load.writePage("run", "PERIODIC", first, null, load));
    await t.drain(t.load.writePage("run", "PERIODIC", last, { cursor: "2026-11-01T00:00:00.000Z", polledAt: new Date() }, load));
    assert.deepEqual(
      t.written.map((batch) => batch.keys.length),
      [LOAD_BATCH, 1_000 - LOAD_BATCH, 200],
    );
    assert.deepEqual(
      t.written.flatMap((batch) => batch.keys),
      [...first, ...last].map((change) => change.memberKey),
      "every listed member written once, in order",
    );
    assert.equal(t.mostInFlight(), 2);
    // Each page's listed changes are counted once, with its first batch.
    assert.deepEqual(
      t.written.map((batch) => batch.discovered),
      [1_000, 0, 200],
    );
    // The cursor moves only in the last batch's transaction, after every other one committed.
    assert.deepEqual(
      t.written.map((batch) => batch.cursor),
      [undefined, undefined, "2026-11-01T00:00:00.000Z"],
    );
    assert.ok(
      t.written.every((batch) => batch.prepared),
      "each batch's communities and groups are committed before its transaction",
    );
    // Fetched in the source's own batch size.
    assert.ok(t.fetched.every((keys) => keys.length <= 100));
  });

  it("counts a listed member changed twice on a page once, and an empty last page still records the cursor", async () => {
    const t = harness(3);
    const load = checkpoint();
    const page = [...listing(0, 4), ...listing(1, 1)];
    await t.drain(t.load.writePage("run", "PERIODIC", page, null, load));
    await t.drain(t.load.writePage("run", "PERIODIC", [], { cursor: null, polledAt: new Date() }, load));
    assert.deepEqual(
      t.written.map((batch) => [batch.keys, batch.discovered, batch.cursor]),
      [
        [["K00000", "K00001", "K00002"], 5, undefined],
        [["K00003"], 0, undefined],
        [[], 0, null],
      ],
    );
  });

  it("fetches the last batch while the one before writes, and begins its transaction (with the cursor) after that one commits", async () => {
    const t = harness();
    const load = checkpoint();
    const page = listing(0, 1_000);
    await t.drain(t.load.writePage("run", "PERIODIC", page, { cursor: "2026-11-01T00:00:00.000Z", polledAt: new Date() }, load));
    const at = (entry: string) => t.timeline.indexOf(entry);
    assert.ok(at("fetch K00500") >= 0 && at("commit K00000") >= 0);
    assert.ok(at("fetch K00500") < at("commit K00000"), `the last batch is fetched while the first writes: ${t.timeline.join(", ")}`);
    assert.equal(t.timeline.lastIndexOf("begin") > at("commit K00000"), true, "its transaction begins after the first batch committed");
    assert.deepEqual(
      t.written.map((batch) => batch.cursor),
      [undefined, "2026-11-01T00:00:00.000Z"],
    );
    assert.equal(t.mostInFlight(), 1, "the cursor's transaction never runs beside another batch's");
  });

  it("queues the members the queue holds instead of fetching them, and writes the rest", async () => {
    const t = harness(undefined, { held: ["K00002", "K00005"] });
    await t.drain(t.load.writePage("run", "PERIODIC", listing(0, 8), { cursor: null, polledAt: new Date() }, checkpoint()));
    assert.deepEqual(t.fetched.flat().includes("K00002") || t.fetched.flat().includes("K00005"), false, "held members are not fetched");
    assert.deepEqual(t.queued, [["K00002", "K00005"]]);
    assert.deepEqual(t.written[0]!.keys, ["K00000", "K00001", "K00003", "K00004", "K00006", "K00007"]);
  });

  it("moves no cursor when a batch before the last could not be written or queued", async () => {
    const t = harness(2);
    // The first batch's write fails, and so does its fallback to the queue.
    const failing = t.load as unknown as { deps: { intake: { writeLoaded: (...args: unknown[]) => Promise<unknown> } } };
    const writeLoaded = failing.deps.intake.writeLoaded;
    let calls = 0;
    failing.deps.intake.writeLoaded = async (...args: unknown[]) => {
      calls += 1;
      if (calls <= 2) throw new Error("the database is gone");
      return writeLoaded(...args);
    };
    await assert.rejects(
      t.drain(
        t.load.writePage("run", "PERIODIC", listing(0, 4), { cursor: "2026-11-01T00:00:00.000Z", polledAt: new Date() }, checkpoint()),
      ),
      /the database is gone/,
    );
    assert.equal(
      t.written.some((batch) => batch.cursor !== undefined),
      false,
      "the cursor stays",
    );
  });
});
