import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { DataSource } from "typeorm";
import { ENTITIES } from "../src/db/entities";
import { SnakeNamingStrategy } from "../src/db/snake-naming.strategy";
import { planLists } from "../src/sync/child-lists";
import { hashRows, ROW_FIELDS, toMemberRows, type UnhashedRows } from "../src/sync/member-rows";
import { listHashesOf, systemMemberships } from "../src/sync/member-writer";
import { EMPTY_LIST_HASH, listHash, listText } from "../src/sync/row-fingerprint";
import { SyncRuleBook } from "../src/sync/sync-rules";
import { committee, memberRecord } from "./support/records";
import { testSyncConfig } from "./support/sync-harness";

const rules = new SyncRuleBook(testSyncConfig().rules);

/** A member with a row in every list, so every list field can be changed. */
function fullRows(): UnhashedRows {
  const record = memberRecord("H1", {
    phones: [{ number: "+1 555 0100", type: "WORK" }],
    socialLinks: [{ network: "LINKEDIN", url: "https://example.org/h1" }],
    demographics: [{ typeKey: "T1", type: "Interest", valueKey: "V1", value: "Policy", isFreeForm: false }],
    education: [{ institution: "State U", degree: "BS", fieldOfStudy: "Biology", startDate: "2001-09-01", endDate: "2005-06-01" }],
    jobHistory: [{ company: "Acme", title: "Engineer", startDate: "2010-01-01", endDate: null, isCurrent: true }],
    purchases: [
      { productCode: "P1", productName: "Journal", orderDate: "2026-01-01", status: "A", quantity: 1, termBegin: null, termEnd: null },
    ],
    communities: [committee("C1", "Chair"), committee("C2", "Member")],
    securityGroups: [{ groupKey: "G1", name: "Portal", type: "Security", role: "Viewer", beginDate: null, endDate: null }],
  });
  const { hash: _hash, listHashes: _listHashes, groupsText: _groupsText, ...rows } = toMemberRows(record, rules);
  return rows;
}

/** Another value of the same column type, never equal to `value`. */
function other(value: unknown): unknown {
  if (typeof value === "string") return `${value}x`;
  if (typeof value === "number") return value + 1;
  if (typeof value === "boolean") return !value;
  if (value instanceof Date) return new Date(value.getTime() + 1);
  return "now set";
}

const LISTS = [
  "phones",
  "socialLinks",
  "demographics",
  "education",
  "jobHistory",
  "communityMemberships",
  "groupMemberships",
  "purchases",
  "communities",
  "groups",
] as const;

describe("member content and list hashes", () => {
  it("change when any written column of the content or of any list's row changes", () => {
    const rows = fullRows();
    const { hash } = hashRows(rows, rules.fingerprint);
    for (const field of ROW_FIELDS.content) {
      const changed = { ...rows, content: { ...rows.content, [field]: other(rows.content[field]) } };
      assert.notEqual(hashRows(changed, rules.fingerprint).hash, hash, `content.${field}`);
    }
    for (const list of LISTS) {
      const fields = ROW_FIELDS[list] as readonly string[];
      assert.ok(rows[list].length > 0, `the fixture has a row in ${list}`);
      for (const field of fields) {
        const first = rows[list][0] as Record<string, unknown>;
        const changed = { ...rows, [list]: [{ ...first, [field]: other(first[field]) }, ...rows[list].slice(1)] };
        const hashed = hashRows(changed, rules.fingerprint);
        assert.notEqual(hashed.hash, hash, `${list}.${field}`);
        if (list in hashed.listHashes) {
          const name = list as keyof typeof hashed.listHashes;
          assert.notEqual(hashed.listHashes[name], hashRows(rows, rules.fingerprint).listHashes[name], `${list}.${field}: its list hash`);
        }
      }
    }
  });

  // The columns insertMany writes: the app's own metadata (its naming strategy merges the join column).
  it("cover exactly the columns each table writes, so a new column cannot be left out", async () => {
    const metadata = await new DataSource({ type: "sqljs", entities: ENTITIES, namingStrategy: new SnakeNamingStrategy() }).initialize();
    after(() => metadata.destroy());
    const columnsOf = (table: string) =>
      metadata.entityMetadatas
        .find((entity) => entity.tableName === table)!
        .columns.filter((column) => column.isInsert && !column.isGenerated)
        .map((column) => column.propertyName)
        .sort();
    const tables: Array<[keyof typeof ROW_FIELDS, string]> = [
      ["phones", "member_phones"],
      ["socialLinks", "member_social_links"],
      ["demographics", "member_demographics"],
      ["education", "member_education"],
      ["jobHistory", "member_job_history"],
      ["communityMemberships", "community_memberships"],
      ["groupMemberships", "security_group_memberships"],
      ["purchases", "member_purchases"],
    ];
    for (const [list, table] of tables) assert.deepEqual([...ROW_FIELDS[list]].sort(), columnsOf(table), table);
    const derived = ["isMember", "status", "nextTransitionOn", "contentHash", "listHashes", "lastRefreshedAt", "changedAt", "createdAt"];
    assert.deepEqual(
      [...ROW_FIELDS.content].sort(),
      columnsOf("members").filter((column) => !derived.includes(column)),
    );
  });

  it("never read two different row sets as the same text, however values line up", () => {
    const rows = fullRows();
    const phone = rows.phones[0]!;
    const texts = new Set([
      listText([{ ...phone, number: "a", type: "b" }], ROW_FIELDS.phones),
      listText([{ ...phone, number: "ab", type: null }], ROW_FIELDS.phones),
      listText([{ ...phone, number: "a", type: "~" }], ROW_FIELDS.phones),
      listText([{ ...phone, number: "a~", type: null }], ROW_FIELDS.phones),
      listText([{ ...phone, number: "s1:a", type: null }], ROW_FIELDS.phones),
    ]);
    assert.equal(texts.size, 5);
    // A row moved from one list to the next, where both tables' rows have four fields.
    const link = { memberKey: phone.memberKey, position: phone.position, network: phone.number, url: phone.type! };
    const inPhones = hashRows({ ...rows, phones: [phone], socialLinks: [] }, rules.fingerprint).hash;
    const inLinks = hashRows({ ...rows, phones: [], socialLinks: [link] }, rules.fingerprint).hash;
    assert.notEqual(inPhones, inLinks);
    assert.notEqual(
      listText(
        [1, 2].map(() => phone),
        ROW_FIELDS.phones,
      ),
      listText([phone], ROW_FIELDS.phones),
    );
  });

  it("do not depend on the order a row's keys were set in, or on fields no column holds", () => {
    const rows = fullRows();
    const phone = rows.phones[0]!;
    const reordered = { type: phone.type, number: phone.number, position: phone.position, memberKey: phone.memberKey, extra: "ignored" };
    assert.equal(hashRows({ ...rows, phones: [reordered] }, rules.fingerprint).hash, hashRows(rows, rules.fingerprint).hash);
  });

  it("depend on the rules, and never equal a hash of the rows' JSON (as stored before)", () => {
    const rows = fullRows();
    const { hash } = hashRows(rows, rules.fingerprint);
    assert.notEqual(hashRows(rows, `${rules.fingerprint}x`).hash, hash);
    assert.notEqual(hash, createHash("sha256").update(rules.fingerprint).update(JSON.stringify(rows)).digest("hex"));
  });

  it("hash each list from its text, the empty list to one constant", () => {
    const rows = fullRows();
    const hashed = hashRows({ ...rows, education: [] }, rules.fingerprint);
    const lists = {
      phones: rows.phones,
      socialLinks: rows.socialLinks,
      demographics: rows.demographics,
      education: [],
      jobHistory: rows.jobHistory,
      communities: rows.communityMemberships,
      groups: rows.groupMemberships,
      purchases: rows.purchases,
    };
    const derived = { isMember: true, status: "ACTIVE" as const, systemGroups: [], nextTransitionOn: null };
    const plan = planLists("H1", true, "", lists, listHashesOf({ ...rows, ...hashed }, derived));
    assert.equal(plan.hashes.get("e"), EMPTY_LIST_HASH);
    const phonesText = listText(rows.phones, ROW_FIELDS.phones);
    assert.equal(plan.hashes.get("p"), createHash("sha256").update(phonesText).digest("hex").slice(0, 16));
    assert.equal(new Set(plan.hashes.values()).size, 8, "every other list has rows, and its own hash");
  });

  it("hash the groups with their derived system memberships as the joined list", () => {
    const rows = fullRows();
    for (const systemGroups of [[], ["Authenticated"], ["Authenticated", "IsMember"]] as const) {
      const derived = { isMember: true, status: "ACTIVE" as const, systemGroups: [...systemGroups], nextTransitionOn: null };
      for (const groupMemberships of [rows.groupMemberships, []]) {
        const shaped = { ...rows, groupMemberships };
        const joined = [...groupMemberships, ...systemMemberships("H1", derived)];
        assert.equal(
          listHashesOf({ ...shaped, ...hashRows(shaped, rules.fingerprint) }, derived).groups,
          listHash(listText(joined, ROW_FIELDS.groupMemberships)),
        );
      }
    }
  });
});
