import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { planLists } from "../src/sync/child-lists";
import { toMemberRows } from "../src/sync/member-rows";
import { listJsonOf, systemMemberships } from "../src/sync/member-writer";
import { SyncRuleBook } from "../src/sync/sync-rules";
import { committee, memberRecord } from "./support/records";
import { testSyncConfig } from "./support/sync-harness";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("member content and list hashes", () => {
  const rules = new SyncRuleBook(testSyncConfig().rules);
  const record = memberRecord("H1", {
    phones: [{ number: "+1 555 0100", type: "WORK" }],
    communities: [committee("C1", "Chair"), committee("C2", "Member")],
  });

  it("hash exactly what the whole rows serialize to, so hashes stored by earlier versions still match", () => {
    const { hash, json, ...rows } = toMemberRows(record, rules);
    assert.equal(hash, createHash("sha256").update(rules.fingerprint).update(JSON.stringify(rows)).digest("hex"));
    assert.equal(json.phones, JSON.stringify(rows.phones));
    assert.equal(json.communityMemberships, JSON.stringify(rows.communityMemberships));
  });

  it("hash each list from its reused text as from the list itself", () => {
    const rows = toMemberRows(record, rules);
    const lists = {
      phones: rows.phones,
      socialLinks: rows.socialLinks,
      demographics: rows.demographics,
      education: rows.education,
      jobHistory: rows.jobHistory,
      communities: rows.communityMemberships,
      groups: rows.groupMemberships,
      purchases: rows.purchases,
    };
    const fromRows = planLists("H1", true, "", lists);
    const fromText = planLists("H1", true, "", lists, {
      phones: rows.json.phones,
      communities: rows.json.communityMemberships,
      groups: rows.json.groupMemberships,
    });
    assert.equal(fromText.newHashes, fromRows.newHashes);
    assert.equal(fromRows.hashes.get("p"), sha(JSON.stringify(rows.phones)).slice(0, 16));
  });

  it("hash the groups with their derived system memberships as the joined list", () => {
    const rows = toMemberRows(record, rules);
    for (const systemGroups of [[], ["Authenticated"], ["Authenticated", "IsMember"]] as const) {
      const derived = { isMember: true, status: "ACTIVE" as const, systemGroups: [...systemGroups], nextTransitionOn: null };
      for (const groupMemberships of [rows.groupMemberships, []]) {
        const shaped = { ...rows, groupMemberships, json: { ...rows.json, groupMemberships: JSON.stringify(groupMemberships) } };
        const joined = [...groupMemberships, ...systemMemberships("H1", derived)];
        assert.equal(listJsonOf(shaped, derived).groups, JSON.stringify(joined));
      }
    }
  });
});
