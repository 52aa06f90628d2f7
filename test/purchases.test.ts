import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gql, gqlData } from "./support/graphql-client";
import { InMemoryAms, memberInfo, startFakeAms, type FakeAms } from "./support/in-memory-ams";
import { postJson, push, PUSH_KEY, signedHeaders, TENANT } from "./support/push-client";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/test-app";

const WEBHOOK_SECRET = `whsec_${Buffer.from("purchase-webhook-secret-0123456789").toString("base64")}`;
const RULES = JSON.stringify({
  statuses: ["Active", "Paid"],
  rules: [
    { productCode: "JOURNAL-SUB", securityGroup: { key: "JOURNAL-READERS", name: "Journal readers" } },
    { productCode: "CERT-PREP", community: { key: "CERT-COHORT", name: "Certification cohort", type: "Special Interest Group" } },
  ],
});

const ENTITLEMENTS = `query($key: ID!) { member(key: $key) {
  key
  purchases { productCode productName orderDate status quantity termBegin termEnd }
  entitlements { productCode productName kind beginDate endDate activeNow community { key name } securityGroup { key name } }
  communities { community { key name } beginDate endDate }
  securityGroups { group { key name } beginDate endDate }
} }`;

const purchase = (code: string, status: string, termBegin: string, termEnd: string | null, extra: Record<string, unknown> = {}) => ({
  ProductCode: code,
  ProductName: `${code} product`,
  OrderDate: termBegin,
  Status: status,
  Quantity: 1,
  TermBegin: termBegin,
  TermEnd: termEnd,
  ...extra,
});

const withPurchases = (key: string, purchases: unknown[], parts: Record<string, unknown> = {}) =>
  memberInfo(
    key,
    { EmailAddress: `${key.toLowerCase()}@example.org`, MemberType: "Regular", MemberSince: "2020-01-01", MemberExpiresOn: "2099-12-31" },
    { Purchases: purchases, ...parts },
  );

describe("purchases reflected in access: push, webhook, sign-on and poll over real HTTP", () => {
  const ams = new InMemoryAms();
  let fakeAms: FakeAms;
  let harness: TestApp;
  const read = async (key: string, token = ADMIN_KEY) => (await gqlData<any>(harness.url, ENTITLEMENTS, { key }, token)).member;
  const grantKeys = (member: any) =>
    member.entitlements.map((e: any) => `${e.kind}:${e.community?.key ?? e.securityGroup?.key}:${e.activeNow}`).sort();

  before(async () => {
    fakeAms = await startFakeAms(ams);
    harness = await startTestApp({
      env: {
        AMS_SOURCE: "rest",
        AMS_URL: fakeAms.url,
        AMS_API_KEY: fakeAms.apiKey,
        AMS_RETRY_BASE: "0",
        PURCHASE_RULES: RULES,
        PUSH_API_KEYS: PUSH_KEY,
        TENANT_CODE: TENANT,
        WEBHOOK_SECRETS: WEBHOOK_SECRET,
        SSO_CREDENTIALS_ENABLED: "true",
      },
    });
  });

  after(async () => {
    await harness.stop();
    await fakeAms.close();
  });

  it("push: purchases are stored and their grants answered at once; a later push without them withdraws them", async () => {
    const answer = await push(harness.baseUrl, [
      withPurchases(
        "BUYER-1",
        [
          purchase("JOURNAL-SUB", "Paid", "2020-01-01", "2099-12-31", { Quantity: "2" }),
          purchase("CERT-PREP", "Active", "2020-01-01", "2020-06-30"),
          purchase("WEBINAR-PASS", "Paid", "2020-01-01", null),
          purchase("JOURNAL-SUB", "Cancelled", "2019-01-01", "2019-12-31"),
        ],
        // The AMS itself also lists the journal group: both rows stand, neither replaces the other.
        {
          SecurityGroups: [
            { GroupKey: "JOURNAL-READERS", GroupName: "Journal Readers (AMS)", GroupType: "Security", EndDate: "2021-01-01" },
          ],
        },
      ),
    ]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const member = await read("BUYER-1");
    assert.equal(member.purchases.length, 4);
    assert.deepEqual(member.purchases[0], {
      productCode: "JOURNAL-SUB",
      productName: "JOURNAL-SUB product",
      orderDate: "2020-01-01",
      status: "Paid",
      quantity: 2,
      termBegin: "2020-01-01",
      termEnd: "2099-12-31",
    });
    assert.deepEqual(grantKeys(member), ["COMMUNITY:CERT-COHORT:false", "SECURITY_GROUP:JOURNAL-READERS:true"]);
    const journal = member.entitlements.find((e: any) => e.kind === "SECURITY_GROUP");
    assert.deepEqual(
      [journal.productCode, journal.productName, journal.beginDate, journal.endDate],
      ["JOURNAL-SUB", "JOURNAL-SUB product", "2020-01-01", "2099-12-31"],
    );
    // The group keeps the AMS's name; the community the rule names is created under its name.
    assert.equal(journal.securityGroup.name, "Journal Readers (AMS)");
    assert.equal(member.entitlements.find((e: any) => e.kind === "COMMUNITY").community.name, "Certification cohort");
    const journalTerms = member.securityGroups.filter((g: any) => g.group.key === "JOURNAL-READERS");
    assert.deepEqual(journalTerms.map((g: any) => g.endDate).sort(), ["2021-01-01", "2099-12-31"]);

    assert.equal(
      (
        await push(harness.baseUrl, [
          withPurchases("BUYER-1", [], {
            SecurityGroups: [
              { GroupKey: "JOURNAL-READERS", GroupName: "Journal Readers (AMS)", GroupType: "Security", EndDate: "2021-01-01" },
            ],
          }),
        ])
      ).status,
      200,
    );
    const after = await read("BUYER-1");
    assert.deepEqual(after.purchases, []);
    assert.deepEqual(after.entitlements, []);
    assert.deepEqual(
      after.securityGroups.filter((g: any) => g.group.key === "JOURNAL-READERS").map((g: any) => g.endDate),
      ["2021-01-01"],
      "the AMS-sent membership stays, the granted one is gone",
    );
    assert.deepEqual(after.communities, []);
  });

  it("rejects a pushed purchase with a bad quantity, naming the field, and keeps the other items", async () => {
    const answer = await push(harness.baseUrl, [
      withPurchases("BUYER-BAD", [purchase("JOURNAL-SUB", "Paid", "2020-01-01", null, { Quantity: "lots" })]),
      withPurchases("BUYER-OK", [purchase("JOURNAL-SUB", "Paid", "2020-01-01", null)]),
    ]);
    assert.match(JSON.stringify(answer.body), /Quantity/);
    assert.equal(await read("BUYER-BAD"), null);
    assert.deepEqual(grantKeys(await read("BUYER-OK")), ["SECURITY_GROUP:JOURNAL-READERS:true"]);
  });

  it("webhook: the AMS names the member, the refresh brings the purchase and its grant", async () => {
    ams.setMember("BUYER-2", withPurchases("BUYER-2", []), "2026-01-01T00:00:00Z");
    await harness.app.sync.internals.poller.pollMembers("PERIODIC");
    await harness.app.sync.drainQueue();
    assert.deepEqual((await read("BUYER-2")).entitlements, []);

    ams.setMember("BUYER-2", withPurchases("BUYER-2", [purchase("CERT-PREP", "Paid", "2020-01-01", "2099-01-01")]), "2026-01-02T00:00:00Z");
    const body = JSON.stringify({ type: "members.changed", data: { keys: ["BUYER-2"] } });
    const answer = await postJson(`${harness.baseUrl}/webhooks/ams`, body, signedHeaders(WEBHOOK_SECRET, "msg_purchase_1", body));
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    await harness.app.sync.drainQueue();
    assert.deepEqual(grantKeys(await read("BUYER-2")), ["COMMUNITY:CERT-COHORT:true"]);
  });

  it("sign-on: a known member's sign-on refreshes them, so a cancelled order loses its access", async () => {
    ams.setMember("BUYER-3", withPurchases("BUYER-3", [purchase("JOURNAL-SUB", "Active", "2020-01-01", null)]), "2026-01-03T00:00:00Z");
    ams.addLogin("buyer-3@example.org", "buyer three password", "BUYER-3");
    await harness.app.sync.service.refreshMember("BUYER-3", { wait: false });
    await harness.app.sync.drainQueue();
    assert.deepEqual(grantKeys(await read("BUYER-3")), ["SECURITY_GROUP:JOURNAL-READERS:true"]);

    // Cancelled in the AMS, listed with an old change time the poll's cursor is already past.
    ams.setMember("BUYER-3", withPurchases("BUYER-3", [purchase("JOURNAL-SUB", "Cancelled", "2020-01-01", null)]), "2025-01-01T00:00:00Z");
    const signOn = await gql<any>(
      harness.url,
      `mutation($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken member { key } } }`,
      { input: { method: "CREDENTIALS", username: "buyer-3@example.org", password: "buyer three password" } },
    );
    assert.equal(signOn.errors, undefined, JSON.stringify(signOn.errors));
    await harness.app.sync.drainQueue();
    const token = signOn.data.exchangeSsoToken.accessToken;
    const own = await read("BUYER-3", token);
    assert.equal(own.purchases[0].status, "Cancelled", "the member reads their own purchases");
    assert.deepEqual(own.entitlements, []);
  });

  it("poll: the next poll reflects a purchase made in the AMS", async () => {
    ams.setMember("BUYER-4", withPurchases("BUYER-4", []), "2026-02-01T00:00:00Z");
    await harness.app.sync.internals.poller.pollMembers("PERIODIC");
    await harness.app.sync.drainQueue();
    assert.deepEqual((await read("BUYER-4")).entitlements, []);
    ams.setMember(
      "BUYER-4",
      withPurchases("BUYER-4", [purchase("JOURNAL-SUB", "Paid", "2026-02-02", "2027-02-01")]),
      "2026-02-02T00:00:00Z",
    );
    await harness.app.sync.internals.poller.pollMembers("PERIODIC");
    await harness.app.sync.drainQueue();
    assert.deepEqual(grantKeys(await read("BUYER-4")), ["SECURITY_GROUP:JOURNAL-READERS:true"]);
  });

  it("purchases and entitlements are null for other members and staff, shown to the member and admins", async () => {
    const regular = { MemberType: "Regular", MemberSince: "2020-01-01", MemberExpiresOn: "2099-12-31" };
    const signIn = async (key: string, groups: unknown[]) => {
      ams.setMember(
        key,
        memberInfo(key, { EmailAddress: `${key.toLowerCase()}@example.org`, ...regular }, { SecurityGroups: groups }),
        "2026-03-01T00:00:00Z",
      );
      ams.addLogin(`${key.toLowerCase()}@example.org`, `${key} password`, key);
      await harness.app.sync.service.refreshMember(key, { wait: false });
      await harness.app.sync.drainQueue();
      const answer = await gql<any>(
        harness.url,
        `mutation($input: ExchangeSsoTokenInput!) { exchangeSsoToken(input: $input) { accessToken } }`,
        { input: { method: "CREDENTIALS", username: `${key.toLowerCase()}@example.org`, password: `${key} password` } },
      );
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      await harness.app.sync.drainQueue();
      return answer.data.exchangeSsoToken.accessToken as string;
    };
    const memberToken = await signIn("READER-M", []);
    const staffToken = await signIn("READER-S", [{ GroupKey: "Staff", GroupName: "Staff", GroupType: "Security" }]);
    const query = `{ member(key: "BUYER-4") { key email purchases { productCode } entitlements { kind } } }`;
    const asMember = await gqlData<any>(harness.url, query, {}, memberToken);
    assert.equal(asMember.member.key, "BUYER-4", "a member reads the directory entry");
    assert.deepEqual([asMember.member.purchases, asMember.member.entitlements], [null, null]);
    const asStaff = await gqlData<any>(harness.url, query, {}, staffToken);
    assert.equal(asStaff.member.email, "buyer-4@example.org", "staff read contact fields");
    assert.deepEqual([asStaff.member.purchases, asStaff.member.entitlements], [null, null], "but not purchases");
    const asAdmin = await read("BUYER-4");
    assert.equal(asAdmin.purchases.length, 1);
    assert.equal(asAdmin.entitlements.length, 1);
  });
});
