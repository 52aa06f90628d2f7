import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../config/config.error";
import { loadConfig, redactConfig } from "../../config/config";
import { fixturePath } from "../../../test/support/fixture-files";
import { loadPersonifyMapping, resolvePersonifyMapping } from "./personify.mapping";
import { DEFAULT_PERSONIFY_MAPPING } from "./personify-mapping.defaults";

const BASE_ENV = {
  NODE_ENV: "test",
  AMS_SOURCE: "personify",
  PERSONIFY_URL: "https://pds.example.org/PersonifyDataServices/PersonifyData.svc/",
  PERSONIFY_USERNAME: "pds-user",
  PERSONIFY_PASSWORD: "pds-very-secret",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE_ENV, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

function tempFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "personify-mapping-")), "mapping.json");
  writeFileSync(file, content);
  return file;
}

describe("Personify mapping", () => {
  it("the defaults are valid, and no file means the defaults", () => {
    assert.deepEqual(resolvePersonifyMapping(undefined), { mapping: DEFAULT_PERSONIFY_MAPPING, problems: [] });
    assert.deepEqual(loadPersonifyMapping(undefined).mapping, DEFAULT_PERSONIFY_MAPPING);
  });

  it("a site file overrides only what it names; null switches a set off", () => {
    const { mapping, problems } = loadPersonifyMapping(fixturePath("personify/__fixtures__/mapping.site-override.json"));
    assert.deepEqual(problems, []);
    assert.equal(mapping!.customers.fields.updatedAt, "LastModifiedDate");
    assert.equal(mapping!.customers.fields.firstName, "FirstName", "untouched fields keep their defaults");
    assert.equal(mapping!.customers.entitySet, "Customers");
    assert.deepEqual(
      [mapping!.phones!.entitySet, mapping!.phones!.filter, mapping!.phones!.fields.number],
      ["CustomerCommunications", "CommTypeCode eq 'PHONE'", "FormattedPhoneAddress"],
    );
    assert.equal(mapping!.phones!.fields.primary, "PrimaryFlag");
    assert.equal(mapping!.emails, null);
  });

  it("names every problem with its path: unknown keys, names that are not OData names, required fields unset", () => {
    const { problems } = resolvePersonifyMapping({
      customers: { fields: { updatedAtt: "X", firstName: "First Name", masterCustomerId: null } },
      orders: { excludedStatuses: "C" },
      extras: {},
    });
    assert.ok(
      problems.some((p) => p.startsWith("customers.fields: Unrecognized key") && p.includes("updatedAtt")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("customers.fields.firstName: expected an OData name")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("customers.fields.masterCustomerId:")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("orders.excludedStatuses:")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("(top level): Unrecognized key") && p.includes("extras")),
      problems.join("\n"),
    );
    assert.deepEqual(resolvePersonifyMapping([]).problems, ["the mapping must be a JSON object"]);
  });

  it("start-up fails with the file named when it is missing, not JSON, or wrong", () => {
    assert.match(
      problemsOf({ PERSONIFY_MAPPING_FILE: "/nonexistent/mapping.json" })[0]!,
      /^PERSONIFY_MAPPING_FILE \/nonexistent\/mapping\.json could not be read as JSON \(ENOENT\)$/,
    );
    const notJson = tempFile("{ customers: ");
    assert.match(problemsOf({ PERSONIFY_MAPPING_FILE: notJson })[0]!, /could not be read as JSON \(.*JSON/);
    const wrong = tempFile(JSON.stringify({ events: { fields: { title: null } } }));
    assert.deepEqual(problemsOf({ PERSONIFY_MAPPING_FILE: wrong }), [
      `PERSONIFY_MAPPING_FILE ${wrong}: events.fields.title: Invalid input: expected string, received null`,
    ]);
  });
});

describe("AMS_SOURCE=personify configuration", () => {
  it("reads the variables with their defaults; the sign-on service falls back to the SSO variables", () => {
    const config = loadConfig({
      ...BASE_ENV,
      PERSONIFY_SSO_URL: "https://sso.example.org/SSO/webservice/service.asmx",
      PERSONIFY_VENDOR_USERNAME: "v",
      PERSONIFY_VENDOR_PASSWORD: "vp",
      PERSONIFY_VENDOR_ID: "x",
      PERSONIFY_LOGIN_URL: "https://sso.example.org/SSO/login.aspx",
      PERSONIFY_VENDOR_BLOCK: "00",
      PERSONIFY_RETURN_URL_ORIGINS: "https://www.example.org",
    });
    assert.equal(config.source.kind, "personify");
    if (config.source.kind !== "personify") return;
    const p = config.source.personify;
    assert.equal(p.url, "https://pds.example.org/PersonifyDataServices/PersonifyData.svc");
    assert.deepEqual([p.timeoutMs, p.retries, p.retryBaseMs, p.pageSize, p.batchSize, p.maxUrlLength], [30_000, 3, 500, 500, 100, 2_048]);
    assert.deepEqual([p.orgId, p.orgUnitId, p.staffMemberTypes, p.mappingFile], [null, null, ["STAFF"], null]);
    assert.deepEqual(p.signOn, {
      serviceUrl: "https://sso.example.org/SSO/webservice/service.asmx",
      vendorUsername: "v",
      vendorPassword: "vp",
      timeoutMs: 10_000,
      emailLookup: true,
    });
    assert.equal(config.sync.refreshIntervalMs, 30 * 60_000, "a real AMS is polled every half hour");
  });

  it("reads durations with units, the organization and staff types; refuses what is missing or out of range", () => {
    const config = loadConfig({
      ...BASE_ENV,
      PERSONIFY_DATA_TIMEOUT: "45s",
      PERSONIFY_ORG_ID: "ASSN",
      PERSONIFY_ORG_UNIT_ID: "ASSN",
      PERSONIFY_STAFF_MEMBER_TYPES: "STAFF, EMPLOYEE",
      PERSONIFY_PAGE_SIZE: "0",
    });
    assert.ok(config.source.kind === "personify");
    assert.deepEqual(
      [
        config.source.personify.timeoutMs,
        config.source.personify.orgId,
        config.source.personify.staffMemberTypes,
        config.source.personify.pageSize,
        config.source.personify.signOn,
      ],
      [45_000, "ASSN", ["STAFF", "EMPLOYEE"], 0, null],
    );
    const problems = problemsOf({
      PERSONIFY_URL: "",
      PERSONIFY_PASSWORD: "",
      PERSONIFY_DATA_TIMEOUT: "soon",
      PERSONIFY_BATCH_SIZE: "0",
      PERSONIFY_AUTH_URL: "https://sso.example.org/x.asmx",
    });
    assert.ok(problems.includes("PERSONIFY_URL is required when AMS_SOURCE=personify"), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("PERSONIFY_USERNAME and PERSONIFY_PASSWORD are required")));
    assert.ok(problems.some((p) => p.startsWith("PERSONIFY_DATA_TIMEOUT must be a duration")));
    assert.ok(problems.some((p) => p.startsWith("PERSONIFY_BATCH_SIZE must be a whole number")));
    assert.ok(problems.some((p) => p.startsWith("Personify credential sign-on needs PERSONIFY_AUTH_URL")));
  });

  it("masks the passwords where the configuration is logged", () => {
    const config = loadConfig({
      ...BASE_ENV,
      PERSONIFY_AUTH_URL: "https://sso.example.org/x.asmx",
      PERSONIFY_AUTH_VENDOR_USERNAME: "v",
      PERSONIFY_AUTH_VENDOR_PASSWORD: "vendor-very-secret",
    });
    const logged = JSON.stringify(redactConfig(config));
    assert.ok(!logged.includes("pds-very-secret") && !logged.includes("vendor-very-secret"), logged);
    assert.match(logged, /"mappingFile":"\(defaults\)"/);
    assert.ok(!logged.includes("InformalSalutation"), "the mapping itself is not logged");
  });
});
