import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { ConfigError } from "./config.error";
import { loadConfig, redactConfig } from "./config";

const SECRET = "s3cr3t-client-secret-value";
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIfakekeymaterial\n-----END PRIVATE KEY-----\n";
const base = { NODE_ENV: "test", AMS_SOURCE: "salesforce", SALESFORCE_CLIENT_ID: "3MVG9.app" };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

function salesforceOf(env: Record<string, string>) {
  const source = loadConfig(env).source;
  assert.equal(source.kind, "salesforce");
  return source.kind === "salesforce" ? source.salesforce : assert.fail("not salesforce");
}

describe("AMS_SOURCE=salesforce configuration", () => {
  it("reads client credentials with defaults, and never prints the secret", () => {
    const config = loadConfig({
      ...base,
      SALESFORCE_CLIENT_SECRET: SECRET,
      SALESFORCE_LIMIT_BACKOFF: "5m",
      SALESFORCE_API_VERSION: "v61.0",
    });
    const salesforce = config.source.kind === "salesforce" ? config.source.salesforce : assert.fail("not salesforce");
    assert.equal(salesforce.loginUrl, "https://login.salesforce.com");
    assert.equal(salesforce.apiVersion, "61.0");
    assert.equal(salesforce.limitBackoffMs, 300_000);
    assert.equal(salesforce.grant.kind, "client_credentials");
    assert.equal(salesforce.grant.kind === "client_credentials" && salesforce.grant.clientSecret.reveal(), SECRET);
    assert.equal(salesforce.mapping.membership?.object, "OrderApi__Subscription__c", "Fonteva defaults");
    assert.equal(config.sync.refreshIntervalMs, 30 * 60_000);
    for (const printed of [JSON.stringify(redactConfig(config)), JSON.stringify(config), inspect(config, { depth: 10 })]) {
      assert.ok(!printed.includes(SECRET), "the secret is never printed");
    }
  });

  it("reads a JWT bearer key from a file or inline, with the username; the audience defaults to the login URL", () => {
    const folder = mkdtempSync(path.join(tmpdir(), "sf-config-"));
    const keyFile = path.join(folder, "key.pem");
    writeFileSync(keyFile, PEM);
    const fromFile = salesforceOf({
      ...base,
      SALESFORCE_LOGIN_URL: "https://test.salesforce.com/",
      SALESFORCE_PRIVATE_KEY_FILE: keyFile,
      SALESFORCE_USERNAME: "api@assoc.org",
    });
    assert.deepEqual(
      fromFile.grant.kind === "jwt_bearer" && [fromFile.grant.username, fromFile.grant.audience, fromFile.grant.privateKeyPem.reveal()],
      ["api@assoc.org", "https://test.salesforce.com", PEM],
    );
    const inline = salesforceOf({
      ...base,
      SALESFORCE_PRIVATE_KEY: PEM.replace(/\n/g, "\\n"),
      SALESFORCE_USERNAME: "api@assoc.org",
      SALESFORCE_JWT_AUDIENCE: "https://login.salesforce.com",
    });
    assert.equal(inline.grant.kind === "jwt_bearer" && inline.grant.privateKeyPem.reveal(), PEM);
    assert.ok(!JSON.stringify(inline).includes("MIIfake"));
  });

  it("reads the writeback object, its external id and field overrides; none configured means no writeback", () => {
    assert.equal(salesforceOf({ ...base, SALESFORCE_CLIENT_SECRET: SECRET }).writeback, null);
    const writeback = salesforceOf({
      ...base,
      SALESFORCE_CLIENT_SECRET: SECRET,
      SALESFORCE_WRITEBACK_OBJECT: "LMS_Completion__c",
      SALESFORCE_WRITEBACK_FIELDS: "title=Course_Title__c, credits=CE_Hours__c",
    }).writeback;
    assert.equal(writeback?.object, "LMS_Completion__c");
    assert.equal(writeback?.externalIdField, "Idempotency_Key__c");
    assert.equal(writeback?.fields.title, "Course_Title__c");
    assert.equal(writeback?.fields.credits, "CE_Hours__c");
    assert.equal(writeback?.fields.memberKey, "Member_Key__c");
    const problems = problemsOf({
      ...base,
      SALESFORCE_CLIENT_SECRET: SECRET,
      SALESFORCE_WRITEBACK_OBJECT: "LMS Completion",
      SALESFORCE_WRITEBACK_FIELDS: "score=Score__c",
    });
    assert.ok(problems.some((problem) => problem.startsWith('SALESFORCE_WRITEBACK_OBJECT: "LMS Completion" is not a Salesforce API name')));
    assert.ok(problems.some((problem) => problem.startsWith("SALESFORCE_WRITEBACK_FIELDS entries are name=Field__c")));
  });

  it("names every missing or conflicting setting", () => {
    assert.deepEqual(problemsOf({ NODE_ENV: "test", AMS_SOURCE: "salesforce" }), [
      "SALESFORCE_CLIENT_ID is required when AMS_SOURCE=salesforce",
      "AMS_SOURCE=salesforce needs SALESFORCE_CLIENT_SECRET (client credentials) or SALESFORCE_PRIVATE_KEY(_FILE) with SALESFORCE_USERNAME (JWT bearer)",
    ]);
    const both = problemsOf({ ...base, SALESFORCE_CLIENT_SECRET: SECRET, SALESFORCE_PRIVATE_KEY: PEM });
    assert.deepEqual(both, [
      "set SALESFORCE_CLIENT_SECRET or a private key, not both",
      "SALESFORCE_USERNAME is required with SALESFORCE_PRIVATE_KEY(_FILE) (JWT bearer)",
    ]);
    assert.match(
      problemsOf({ ...base, SALESFORCE_PRIVATE_KEY_FILE: "/nonexistent/key.pem", SALESFORCE_USERNAME: "u" }).join(),
      /SALESFORCE_PRIVATE_KEY_FILE could not be read \(ENOENT\)/,
    );
    assert.ok(
      !problemsOf({ ...base, SALESFORCE_CLIENT_SECRET: SECRET, SALESFORCE_TIMEOUT: "soon" })
        .join()
        .includes(SECRET),
    );
  });

  it("reads a mapping file over the Fonteva defaults and names what is wrong in a bad one", () => {
    const folder = mkdtempSync(path.join(tmpdir(), "sf-mapping-"));
    const good = path.join(folder, "good.json");
    writeFileSync(
      good,
      JSON.stringify({ contact: { fields: { memberId: "FON_Membership_Number__c" } }, staffMemberTypes: ["Staff Membership"] }),
    );
    const mapping = salesforceOf({ ...base, SALESFORCE_CLIENT_SECRET: SECRET, SALESFORCE_MAPPING_FILE: good }).mapping;
    assert.deepEqual(
      [mapping.contact.fields.memberId, mapping.contact.fields.lastName, mapping.staffMemberTypes],
      ["FON_Membership_Number__c", "LastName", ["Staff Membership"]],
    );
    const bad = path.join(folder, "bad.json");
    writeFileSync(bad, JSON.stringify({ membership: { endField: "Paid Through" } }));
    assert.deepEqual(problemsOf({ ...base, SALESFORCE_CLIENT_SECRET: SECRET, SALESFORCE_MAPPING_FILE: bad }), [
      "SALESFORCE_MAPPING_FILE: membership.endField: expected a SOQL field path such as Email or Account.Name",
    ]);
    const notJson = path.join(folder, "broken.json");
    writeFileSync(notJson, "{ contact: ");
    assert.match(
      problemsOf({ ...base, SALESFORCE_CLIENT_SECRET: SECRET, SALESFORCE_MAPPING_FILE: notJson }).join(),
      /SALESFORCE_MAPPING_FILE is not JSON/,
    );
  });
});
