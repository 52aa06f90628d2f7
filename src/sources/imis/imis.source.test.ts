import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventData, groupMember, personParty } from "../../../test/support/fake-imis-records";
import { FakeImis, imisSourceConfig } from "../../../test/support/fake-imis";
import type { ImisSourceConfig } from "../../config/imis.config";
import { createLogger } from "../../observability/logger";
import { SourceErrorCode } from "../source.error";
import { imisInstant, ImisSource } from "./imis.source";

const logger = createLogger("silent");
const at = (text: string) => new Date(text);

async function withSource(overrides: Partial<ImisSourceConfig>, run: (fake: FakeImis, source: ImisSource) => Promise<void>): Promise<void> {
  const fake = await FakeImis.start();
  try {
    await run(fake, new ImisSource(imisSourceConfig(fake, overrides), { logger }));
  } finally {
    await fake.close();
  }
}

async function allPages<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

function people(fake: FakeImis, count: number): void {
  for (let n = 1; n <= count; n += 1) {
    const partyId = String(1000 + n);
    fake.setParty(
      partyId,
      personParty({ partyId, firstName: `First${n}`, lastName: `Last${n}`, memberType: "M" }, at(`2026-0${n}-01T00:00:00Z`)),
      at(`2026-0${n}-01T00:00:00Z`),
    );
  }
}

describe("ImisSource change listing", () => {
  it("pages Party by offset/limit, filters UpdatedOn inclusively with ge:, and keeps UpdatedOn as sent", async () => {
    await withSource({ pageSize: 2 }, async (fake, source) => {
      people(fake, 5);
      const pages = await allPages(source.changedMembers(null));
      assert.deepEqual(
        pages.map((page) => page.map((c) => c.memberKey)),
        [["1001", "1002"], ["1003", "1004"], ["1005"]],
      );
      const since = (await allPages(source.changedMembers(at("2026-03-01T00:00:00Z")))).flat();
      assert.deepEqual(since, [
        { memberKey: "1003", lastUpdated: "2026-03-01T00:00:00.000" },
        { memberKey: "1004", lastUpdated: "2026-04-01T00:00:00.000" },
        { memberKey: "1005", lastUpdated: "2026-05-01T00:00:00.000" },
      ]);
      const asked = fake.requestsTo("/api/Party").at(-1)!.query;
      assert.equal(asked.get("UpdatedOn"), "ge:2026-03-01T00:00:00");
    });
  });

  it("drops what is older than asked and de-duplicates, when iMIS does not apply the UpdatedOn filter", async () => {
    await withSource({ pageSize: 2 }, async (fake, source) => {
      people(fake, 4);
      fake.ignoredFilters.add("updatedon");
      const since = (await allPages(source.changedMembers(at("2026-03-01T00:00:00Z")))).flat();
      assert.deepEqual(
        since.map((c) => c.memberKey),
        ["1003", "1004"],
      );
    });
  });

  it("formats instants for ge: to the second, never rounding up", () => {
    assert.equal(imisInstant(at("2026-03-01T10:20:30.999Z")), "2026-03-01T10:20:30");
  });
});

describe("ImisSource batch fetch", () => {
  const committee = { groupId: "COMM-FIN", name: "Finance Committee", groupClass: "Committee" };

  it("fetches parties and their group memberships with PartyId=in:, in bounded batches; unknown keys are missing", async () => {
    await withSource({ batchSize: 2 }, async (fake, source) => {
      people(fake, 3);
      fake.setGroupMembers("1001", [groupMember("1001", committee, [{ role: "Chair", begin: "2026-01-01", end: "2027-12-31" }])]);
      fake.setGroupMembers("1003", [groupMember("1003", { groupId: "REG-GALA", name: "Gala registrants", groupClass: "Event" }, [])]);
      const fetched = await source.fetchMembers(["1001", "1002", "1003", "9999", "1001"]);
      assert.deepEqual(
        fetched.members.map((m) => m.memberKey),
        ["1001", "1002", "1003"],
      );
      assert.deepEqual(fetched.missing, ["9999"]);
      assert.deepEqual(fetched.invalid, []);
      const [first] = fetched.members;
      assert.deepEqual(
        first!.communities.map((c) => [c.communityKey, c.type, c.role, c.beginDate, c.endDate]),
        [["COMM-FIN", "Committee", "Chair", "2026-01-01", "2027-12-31"]],
      );
      assert.deepEqual(fetched.members[2]!.communities, [], "an unmapped group class is left out");
      assert.deepEqual(
        fake.requestsTo("/api/Party").map((r) => r.query.get("PartyId")),
        ["in:1001|1002", "in:1003|9999"],
      );
      assert.deepEqual(
        fake.requestsTo("/api/GroupMember").map((r) => r.query.get("PartyId")),
        ["in:1001|1002", "in:1003|9999"],
      );
    });
  });

  it("isolates a malformed Party and a party with a malformed GroupMember; refuses a key iMIS cannot be asked for", async () => {
    await withSource({}, async (fake, source) => {
      people(fake, 3);
      fake.setParty("1002", {
        ...personParty({ partyId: "1002", firstName: "Bad", lastName: "Date", paidThrough: "2026-02-30" }, at("2026-02-01T00:00:00Z")),
      });
      fake.setGroupMembers("1003", [
        { ...groupMember("1003", committee, []), MembershipDetails: { $values: [{ ExpirationDate: "soon" }] } },
      ]);
      const fetched = await source.fetchMembers(["1001", "1002", "1003", "A|B"]);
      assert.deepEqual(
        fetched.members.map((m) => m.memberKey),
        ["1001"],
      );
      assert.deepEqual(
        fetched.invalid.map((i) => [i.memberKey, i.error.code]),
        [
          ["A|B", SourceErrorCode.CONTRACT_VIOLATION],
          ["1002", SourceErrorCode.CONTRACT_VIOLATION],
          ["1003", SourceErrorCode.CONTRACT_VIOLATION],
        ],
      );
      assert.match(fetched.invalid[1]!.error.message, /Party "1002" .*AdditionalAttributes\.PaidThruDate: .*no such day/);
      assert.match(fetched.invalid[2]!.error.message, /GroupMember of party "1003" .*MembershipDetails\[0\]\.ExpirationDate/);
    });
  });

  it("refuses a whole answer that holds parties nobody asked for, rather than disable the ones it left out", async () => {
    await withSource({}, async (fake, source) => {
      people(fake, 3);
      fake.ignoredFilters.add("partyid");
      await assert.rejects(source.fetchMembers(["1001", "1003"]), (error: unknown) => {
        assert.ok(error instanceof Error && "code" in error && error.code === SourceErrorCode.CONTRACT_VIOLATION);
        assert.match(error.message, /GET \/api\/Party\?PartyId=in:… answered 1 record\(s\) for parties not asked for \("1002"\)/);
        return true;
      });
    });
  });

  it("marks staff member types with the AMS group Staff and reads membership dates", async () => {
    await withSource({}, async (fake, source) => {
      fake.setParty(
        "2001",
        personParty(
          { partyId: "2001", firstName: "Sam", lastName: "Staff", memberType: "STAFF", joinDate: "2020-01-01", paidThrough: null },
          at("2026-01-01T00:00:00Z"),
        ),
      );
      const [member] = (await source.fetchMembers(["2001"])).members;
      assert.deepEqual([member!.memberType, member!.memberSince, member!.membershipExpiresOn], ["STAFF", "2020-01-01", null]);
      assert.deepEqual(
        member!.securityGroups.map((g) => [g.groupKey, g.name]),
        [["IMIS-STAFF", "Staff"]],
      );
    });
  });
});

describe("ImisSource events", () => {
  it("pages events inclusively since, de-duplicated; a malformed one fails alone", async () => {
    await withSource({ pageSize: 2 }, async (fake, source) => {
      fake.setEvent(
        "E1",
        eventData({ eventKey: "E1", title: "Gala", startsAt: at("2026-05-01T19:00:00Z") }, at("2026-04-01T00:00:00Z")),
        at("2026-04-01T00:00:00Z"),
      );
      fake.setEvent(
        "E2",
        { EventId: "E2", Name: "No start", UpdateInformation: { UpdatedOn: "2026-04-02T00:00:00" } },
        at("2026-04-02T00:00:00Z"),
      );
      fake.setEvent(
        "E3",
        eventData({ eventKey: "E3", title: "Webinar", startsAt: at("2026-06-01T00:00:00Z") }, at("2026-04-03T00:00:00Z")),
        at("2026-04-03T00:00:00Z"),
      );
      const pages = await allPages(source.changedEvents(null));
      assert.deepEqual(
        pages.map((page) => page.events.map((e) => e.eventKey)),
        [["E1"], ["E3"]],
      );
      assert.equal(pages[0]!.invalid[0]!.eventKey, "E2");
      assert.equal(pages[1]!.newestUpdate, "2026-04-03T00:00:00.000Z");
      const since = (await allPages(source.changedEvents(at("2026-04-02T00:00:00Z")))).flatMap((page) =>
        page.events.map((e) => e.eventKey),
      );
      assert.deepEqual(since, ["E3"]);
      assert.equal(fake.requestsTo("/api/Event").at(-1)!.query.get("UpdatedOn"), "ge:2026-04-02T00:00:00");
    });
  });
});

describe("ImisSource connection check", () => {
  it("signs in and reads one Party, or says why it could not", async () => {
    await withSource({}, async (fake, source) => {
      people(fake, 3);
      assert.equal(await source.checkConnection(), `iMIS at ${fake.url}: signed in as ${fake.username}, 3 parties listed`);
      const refused = new ImisSource(imisSourceConfig(fake, { password: "wrong" }), { logger });
      await assert.rejects(
        refused.checkConnection(),
        (error: unknown) => error instanceof Error && /POST \/token answered 400: "invalid_grant/.test(error.message),
      );
    });
  });
});
