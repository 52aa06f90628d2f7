import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../src/observability/logger";
import { SourceErrorCode } from "../src/sources/source.error";
import { SalesforceSource } from "../src/sources/salesforce/salesforce.source";
import { ManualClock } from "../src/time/clock";
import { FakeSalesforce } from "./support/fake-salesforce";
import { CLIENT_ID, CLIENT_SECRET, salesforceConfig } from "./support/fonteva-seed";

const OBJECT = "LMS_Completion__c";
const FIELDS = ["Idempotency_Key__c", "Member_Key__c", "Activity_Key__c", "Title__c", "Completed_At__c", "Credits__c", "Credit_Type__c"];
const WRITEBACK = {
  object: OBJECT,
  externalIdField: "Idempotency_Key__c",
  fields: {
    memberKey: "Member_Key__c",
    activityKey: "Activity_Key__c",
    title: "Title__c",
    completedAt: "Completed_At__c",
    credits: "Credits__c",
    creditType: "Credit_Type__c",
  },
};

const activity = (key: string) => ({
  memberKey: "003000000000001AAA",
  activityKey: "ETH-101",
  title: "Professional ethics",
  completedAt: new Date("2026-11-20T15:00:00.000Z"),
  credits: 1.5,
  creditType: "CEU",
  idempotencyKey: key,
});

describe("Salesforce writeback: completions upserted into a custom object by an external id", () => {
  let fake: FakeSalesforce;
  const clock = new ManualClock("2026-11-23T12:00:00.000Z");
  const source = (writeback: typeof WRITEBACK | null = WRITEBACK) =>
    new SalesforceSource(salesforceConfig(fake, { writeback }), { logger: createLogger("silent"), clock, sleep: async () => undefined });

  before(async () => {
    fake = await FakeSalesforce.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    fake.declareObject(OBJECT, FIELDS);
  });
  after(() => fake.close());

  it("creates one record per idempotency key, however often it is sent", async () => {
    const salesforce = source();
    await salesforce.writeBack!(activity("lms-1"));
    await salesforce.writeBack!(activity("lms-1"));
    await salesforce.writeBack!(activity("lms/2 with spaces"));
    const rows = fake.org.rows(OBJECT);
    assert.deepEqual(
      rows.map((row) => [row.Idempotency_Key__c, row.Member_Key__c, row.Title__c, row.Completed_At__c, row.Credits__c, row.Credit_Type__c]),
      [
        ["lms-1", "003000000000001AAA", "Professional ethics", "2026-11-20T15:00:00.000Z", 1.5, "CEU"],
        ["lms/2 with spaces", "003000000000001AAA", "Professional ethics", "2026-11-20T15:00:00.000Z", 1.5, "CEU"],
      ],
    );
  });

  it("reads a refused field as a contract violation (counted) and an unavailable org as temporary (held)", async () => {
    const misnamed = source({ ...WRITEBACK, fields: { ...WRITEBACK.fields, title: "Name__c" } });
    await assert.rejects(misnamed.writeBack!(activity("lms-3")), (error: { code?: string; message?: string }) => {
      assert.equal(error.code, SourceErrorCode.CONTRACT_VIOLATION);
      assert.match(error.message ?? "", /PATCH .*400.*INVALID_FIELD/);
      return true;
    });
    fake.failUnavailable(3);
    await assert.rejects(source().writeBack!(activity("lms-4")), (error: { code?: string }) => error.code === SourceErrorCode.TEMPORARY);
    assert.equal(fake.org.rows(OBJECT).length, 2, "nothing was written by the failed sends");
  });

  it("offers no writeback when no object is configured", () => {
    assert.equal(source(null).writeBack, undefined);
  });
});
