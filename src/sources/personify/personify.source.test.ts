import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type FakePersonifyDataServices,
  type FakePersonifyOptions,
  startFakePersonify,
} from "../../../test/support/fake-personify-data-services";
import type { FakeMember } from "../../../test/support/personify-fake-store";
import { personifyConfig } from "../../../test/support/personify-config";
import { createLogger } from "../../observability/logger";
import type { ChangedEventsPage, MemberChange } from "../ams-source";
import { SourceError, SourceErrorCode } from "../source.error";
import { PersonifySource } from "./personify.source";

const logger = createLogger("silent");

async function withFake(
  options: FakePersonifyOptions,
  env: Record<string, string>,
  run: (fake: FakePersonifyDataServices, source: PersonifySource) => Promise<void>,
): Promise<void> {
  const fake = await startFakePersonify(options);
  try {
    await run(fake, new PersonifySource(personifyConfig(fake, env), { logger }));
  } finally {
    await fake.close();
  }
}

async function pages<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of iterable) all.push(page);
  return all;
}

const keys = (changes: MemberChange[][]) => changes.flat().map((change) => change.memberKey);

function member(id: string, overrides: Partial<FakeMember> = {}): FakeMember {
  return {
    id,
    firstName: `First${id}`,
    lastName: `Last${id}`,
    email: `${id}@example.org`,
    phones: [{ number: `+1 555 0100 ${id}`, type: "WORK" }],
    address: { line1: `${id} Main St`, city: "Springfield", state: "IL", postalCode: "62701" },
    orders: [{ productCode: "INDIV", memberType: "REGULAR", begin: "2026-01-01", end: "2026-12-31" }],
    updatedAt: "2026-02-01T00:00:00Z",
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SourceError, String(error));
    return error;
  }
  assert.fail("expected a rejection");
}

describe("PersonifySource against a Personify Data Services fake", () => {
  it("a full load lists every individual and company, not committees, through server-driven next links", async () => {
    await withFake({ serverPageSize: 2 }, {}, async (fake, source) => {
      for (const id of ["M1", "M2", "M3", "M4", "M5"]) fake.store.putMember(member(id));
      fake.store.putMember(member("ORG1", { recordType: "C", labelName: "Acme" })).putCommittee("COM1", "Finance Committee");
      const changes = await pages(source.changedMembers(null));
      assert.deepEqual(
        changes.map((page) => page.length),
        [2, 2, 2],
      );
      assert.deepEqual(keys(changes).sort(), ["M1", "M2", "M3", "M4", "M5", "ORG1"]);
      assert.equal(changes[0]![0]!.lastUpdated, "2026-02-01T00:00:00.000Z");
      const first = fake.requests[0]!.params;
      assert.equal(first.get("$filter"), "(RecordType eq 'I' or RecordType eq 'C') and (SubCustomerId eq 0)");
      assert.equal(first.get("$select"), "MasterCustomerId,ModDate");
      assert.ok(
        fake.requests.slice(1).every((request) => request.params.has("$skiptoken")),
        "pages 2 and 3 came from next links",
      );
    });
  });

  it("pages on with $skip when the server sends no next link, in JSON light as well", async () => {
    await withFake({ format: "light" }, { PERSONIFY_PAGE_SIZE: "2" }, async (fake, source) => {
      for (const id of ["M1", "M2", "M3", "M4"]) fake.store.putMember(member(id));
      const changes = await pages(source.changedMembers(null));
      assert.deepEqual(keys(changes), ["M1", "M2", "M3", "M4"]);
      assert.deepEqual(
        fake.requests.map((request) => request.params.get("$skip")),
        [null, "2", "4"],
      );
      assert.equal(changes[0]![0]!.lastUpdated, "2026-02-01T00:00:00.000Z", "JSON light's ISO dates read the same");
    });
  });

  it("an incremental poll reads every set from the cursor on, inclusively: customers, phones, committees, orders", async () => {
    await withFake({}, {}, async (fake, source) => {
      const since = new Date("2026-03-01T00:00:00Z");
      fake.store.putMember(member("OLD")).putMember(member("NEW", { updatedAt: since }));
      fake.store
        .putMember(member("ORDER"))
        .putMember(member("SEAT", { committees: [{ committeeId: "COM1" }] }))
        .putMember(member("PHONE"));
      fake.store.update("MembershipOrders", (row) => row.ShipMasterCustomerId === "ORDER", {
        CycleEndDate: new Date("2026-02-28T00:00:00Z"),
        ModDate: new Date("2026-03-02T00:00:00Z"),
      });
      fake.store.update("CommitteeMembers", (row) => row.MemberMasterCustomer === "SEAT", {
        PositionCode: "CHAIR",
        ModDate: new Date("2026-03-03T00:00:00Z"),
      });
      fake.store.update("CustomerPhones", (row) => row.MasterCustomerId === "PHONE", {
        PhoneNumber: "+1 555 9999",
        ModDate: new Date("2026-03-04T00:00:00Z"),
      });
      const changes = (await pages(source.changedMembers(since))).flat();
      // NEW is listed once per set its rows sit in: the queue coalesces repeats.
      assert.deepEqual([...new Set(changes.map((c) => c.memberKey))].sort(), ["NEW", "ORDER", "PHONE", "SEAT"]);
      assert.equal(changes.find((c) => c.memberKey === "ORDER")!.lastUpdated, "2026-03-02T00:00:00.000Z", "a related row's change time");
      const customersFilter = fake.requests.find((request) => request.entitySet === "Customers")!.params.get("$filter");
      assert.match(customersFilter!, /\(ModDate ge datetime'2026-03-01T00:00:00'\)$/);
      assert.deepEqual(
        [...new Set(fake.requests.map((request) => request.entitySet))],
        ["Customers", "CustomerAddresses", "CustomerPhones", "CustomerEmails", "MembershipOrders", "CommitteeMembers"],
      );
    });
  });

  it("fetches a batch with every related set and the committee names; unknown keys are missing, a malformed one invalid", async () => {
    await withFake({}, {}, async (fake, source) => {
      fake.store.putCommittee("COM1", "Finance Committee");
      fake.store.putMember(member("M1", { committees: [{ committeeId: "COM1", role: "CHAIR", begin: "2025-07-01", end: "2027-06-30" }] }));
      fake.store.putMember(member("BAD", { customerExtra: { ModDate: "not a date" } }));
      const fetched = await source.fetchMembers(["M1", "GONE", "BAD", "M1"]);
      assert.deepEqual(fetched.missing, ["GONE"]);
      assert.deepEqual(
        fetched.invalid.map((entry) => [entry.memberKey, entry.error.code]),
        [["BAD", SourceErrorCode.CONTRACT_VIOLATION]],
      );
      assert.match(
        fetched.invalid[0]!.error.message,
        /Customers row for member "BAD" does not match the contract: ModDate: expected a date/,
      );
      const [m1] = fetched.members;
      assert.deepEqual(
        [m1!.memberKey, m1!.email, m1!.phones, m1!.address.city, m1!.memberType, m1!.membershipExpiresOn],
        ["M1", "M1@example.org", [{ number: "+1 555 0100 M1", type: "WORK" }], "Springfield", "REGULAR", "2026-12-31"],
      );
      assert.deepEqual(
        m1!.communities.map((c) => [c.communityKey, c.name, c.type, c.role, c.beginDate, c.endDate]),
        [["COM1", "Finance Committee", "Committee", "CHAIR", "2025-07-01", "2027-06-30"]],
      );
      assert.deepEqual(
        m1!.securityGroups.map((g) => [g.groupKey, g.role, g.endDate]),
        [["Membership:INDIV", "REGULAR", "2026-12-31"]],
      );
      const customerFilter = fake.requests[0]!.params.get("$filter")!;
      assert.match(customerFilter, /\(MasterCustomerId eq 'M1' or MasterCustomerId eq 'GONE' or MasterCustomerId eq 'BAD'\)$/);
    });
  });

  it("splits a batch so that no request URL passes PERSONIFY_MAX_URL_LENGTH, and quotes in keys are escaped", async () => {
    const maxUrlLength = 700;
    await withFake({ maxUrlLength }, { PERSONIFY_MAX_URL_LENGTH: String(maxUrlLength) }, async (fake, source) => {
      const ids = Array.from({ length: 40 }, (_, index) => `K${String(index).padStart(3, "0")}`);
      for (const id of ids) fake.store.putMember(member(id));
      fake.store.putMember(member("O'BRIEN"));
      const fetched = await source.fetchMembers([...ids, "O'BRIEN"]);
      assert.equal(fetched.members.length, 41);
      assert.deepEqual([fetched.missing, fetched.invalid], [[], []]);
      const customerCalls = fake.requests.filter((request) => request.entitySet === "Customers");
      assert.ok(customerCalls.length > 1, "split into several requests");
      for (const request of fake.requests)
        assert.ok(new URL(request.url).pathname.length + new URL(request.url).search.length <= maxUrlLength, request.url);
    });
  });

  it("scopes org-scoped sets by PERSONIFY_ORG_ID / PERSONIFY_ORG_UNIT_ID", async () => {
    await withFake({}, { PERSONIFY_ORG_ID: "ORG", PERSONIFY_ORG_UNIT_ID: "UNIT" }, async (fake, source) => {
      fake.store.putMember(
        member("M1", {
          orders: [
            { productCode: "INDIV", memberType: "REGULAR", begin: "2026-01-01", end: "2026-12-31" },
            { productCode: "OTHER", memberType: "REGULAR", begin: "2026-01-01", end: "2027-12-31" },
          ],
        }),
      );
      fake.store.update("MembershipOrders", (row) => row.ProductCode === "OTHER", { OrganizationId: "SISTER" });
      const [m1] = (await source.fetchMembers(["M1"])).members;
      assert.deepEqual(
        m1!.securityGroups.map((g) => g.groupKey),
        ["Membership:INDIV"],
        "the other organization's order is not this site's",
      );
      const orders = fake.requests.find((request) => request.entitySet === "MembershipOrders")!.params.get("$filter")!;
      assert.equal(
        orders,
        "(OrganizationId eq 'ORG') and (OrganizationUnitId eq 'UNIT') and (ShipSubCustomerId eq 0) and (ShipMasterCustomerId eq 'M1')",
      );
      assert.ok(
        !fake.requests
          .find((request) => request.entitySet === "Customers")!
          .params.get("$filter")!
          .includes("OrganizationId"),
        "customers are shared across organizations",
      );
    });
  });

  it("lists events changed since the cursor; an inactive product is deleted, a malformed one invalid", async () => {
    await withFake({}, {}, async (fake, source) => {
      const at = (text: string) => new Date(text);
      fake.store.putEvent(1, {
        ProductCode: "AM",
        LongName: "Annual Meeting",
        MeetingStartDate: at("2026-06-10T13:00:00Z"),
        ModDate: at("2026-03-01T00:00:00Z"),
      });
      fake.store.putEvent(2, {
        ProductCode: "WEB",
        LongName: "Webinar",
        MeetingStartDate: at("2026-04-01T15:00:00Z"),
        ProductStatusCode: "I",
        ModDate: at("2026-03-05T00:00:00Z"),
      });
      fake.store.putEvent(3, { ProductCode: "BAD", LongName: "Broken", MeetingStartDate: "soon", ModDate: at("2026-03-06T00:00:00Z") });
      fake.store.putEvent(4, {
        ProductCode: "OLD",
        LongName: "Old",
        MeetingStartDate: at("2025-04-01T15:00:00Z"),
        ModDate: at("2025-01-01T00:00:00Z"),
      });
      const [page] = (await pages(source.changedEvents(at("2026-03-01T00:00:00Z")))) as ChangedEventsPage[];
      assert.deepEqual(
        page!.events.map((event) => [event.eventKey, event.title, event.isDeleted]),
        [
          ["1", "Annual Meeting", false],
          ["2", "Webinar", true],
        ],
      );
      assert.deepEqual(
        page!.invalid.map((entry) => entry.eventKey),
        ["3"],
      );
      assert.equal(page!.newestUpdate, "2026-03-05T00:00:00.000Z");
    });
  });

  it("signs members on through the sign-on web service, by username or e-mail address", async () => {
    await withFake({}, {}, async (fake, source) => {
      fake.signOn.logins.push({ userName: "alovelace", password: "pw", email: "ada@example.org", customerId: "M1|0" });
      assert.equal(await source.authenticate!({ username: "alovelace", password: "pw" }), "M1");
      assert.equal(await source.authenticate!({ username: "ada@example.org", password: "pw" }), "M1");
      assert.equal(
        (await rejection(source.authenticate!({ username: "alovelace", password: "nope" }))).code,
        SourceErrorCode.AUTH_REJECTED,
      );
      assert.equal(
        (await rejection(source.authenticate!({ username: "who@example.org", password: "pw" }))).code,
        SourceErrorCode.AUTH_REJECTED,
      );
      assert.deepEqual(
        fake.signOn.calls.map((call) => call.operation),
        [
          "CustomerAuthenticateAndGetId",
          "SSOCustomerGetByEmail",
          "CustomerAuthenticateAndGetId",
          "CustomerAuthenticateAndGetId",
          "SSOCustomerGetByEmail",
        ],
      );
    });
    const fake = await startFakePersonify();
    try {
      const withoutSignOn = new PersonifySource({ ...personifyConfig(fake), signOn: null }, { logger });
      assert.equal(withoutSignOn.authenticate, undefined, "no sign-on service, no authenticate");
    } finally {
      await fake.close();
    }
  });

  it("rides out 503s, and reports 401 as AUTH_REJECTED and 429 as TEMPORARY with its Retry-After", async () => {
    await withFake({}, { PERSONIFY_RETRIES: "2" }, async (fake, source) => {
      fake.store.putMember(member("M1"));
      fake.fail({ kind: "unavailable", times: 2 });
      assert.deepEqual(keys(await pages(source.changedMembers(null))), ["M1"]);
      fake.fail({ kind: "auth", times: 1 });
      assert.equal((await rejection(source.fetchMembers(["M1"]))).code, SourceErrorCode.AUTH_REJECTED);
      fake.fail({ kind: "retryAfter", retryAfterSeconds: 120, times: 1 });
      const limited = await rejection(pages(source.changedMembers(null)));
      assert.deepEqual([limited.code, limited.retryAfterMs], [SourceErrorCode.TEMPORARY, 120_000]);
    });
  });
});
