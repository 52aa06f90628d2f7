import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  MemberEntity,
  MemberPhoneEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../src/db/entities";
import { TransactionRunner } from "../src/db/transaction-runner";
import type { MemberRecord } from "../src/sources/member-record";
import { MemberWriter } from "../src/sync/member-writer";
import { SyncRuleBook } from "../src/sync/sync-rules";
import { ManualClock } from "../src/time/clock";
import { mysqlConfig, resetDatabase } from "./support/database";
import { Database } from "../src/db/data-source";
import { committee, memberRecord } from "./support/records";
import { QueryCounter } from "./support/query-counter";
import { withHeldTransaction } from "./support/held-transaction";
import { testSyncConfig } from "./support/sync-harness";

describe("member writes on MariaDB", () => {
  let database: Database;
  let transactions: TransactionRunner;
  const clock = new ManualClock("2026-11-23T12:00:00Z");
  const writer = (env: Record<string, string> = {}) => new MemberWriter(new SyncRuleBook(testSyncConfig(env).rules), clock);
  const write = (records: MemberRecord[], gone: string[] = [], env: Record<string, string> = {}) =>
    transactions.run((manager) => writer(env).write(manager, records, gone));
  const repo = <T extends object>(entity: new () => T) => database.dataSource.getRepository(entity);

  const statements = new QueryCounter();

  before(async () => {
    await resetDatabase(mysqlConfig());
    database = await Database.create(mysqlConfig(), { logger: statements });
    await database.open();
    transactions = new TransactionRunner(database);
  });
  after(() => database.close());

  it("creates the member, its communities and groups, and derives member status", async () => {
    const result = await write([
      memberRecord("W1", {
        phones: [{ number: "555-0101", type: "WORK" }],
        communities: [committee("FIN", "Chair"), committee("AUD", "Member")],
        securityGroups: [{ groupKey: "PORTAL", name: "Board Portal", type: "Security", role: null, beginDate: null, endDate: null }],
      }),
    ]);
    assert.deepEqual([...result.outcomes], [["W1", "refreshed"]]);
    assert.equal(result.changes[0]?.kind, "CREATED");
    const member = await repo(MemberEntity).findOneByOrFail({ memberKey: "W1" });
    assert.deepEqual([member.isMember, member.status, member.nextTransitionOn], [true, "ACTIVE", "2028-01-01"]);
    assert.deepEqual(
      (await repo(CommunityEntity).find({ order: { communityKey: "ASC" } })).map((row) => row.communityKey),
      ["AUD", "FIN"],
    );
    const groups = await repo(SecurityGroupMembershipEntity).find({ where: { memberKey: "W1" }, order: { position: "ASC" } });
    assert.deepEqual(
      groups.map((row) => row.groupKey),
      ["PORTAL", "MemberType:Regular", "Authenticated", "IsMember"],
    );
    const typeGroup = await repo(SecurityGroupEntity).findOneByOrFail({ groupKey: "MemberType:Regular" });
    assert.deepEqual([typeGroup.kind, typeGroup.amsType, typeGroup.grantsMemberStatus], ["AMS", "MemberType", true]);
    assert.equal(await repo(MemberPhoneEntity).countBy({ memberKey: "W1" }), 1);
  });

  it("skips a record that did not change, touching only lastRefreshedAt", async () => {
    clock.advance(60_000);
    const again = memberRecord("W1", {
      phones: [{ number: "555-0101", type: "WORK" }],
      communities: [committee("FIN", "Chair"), committee("AUD", "Member")],
      securityGroups: [{ groupKey: "PORTAL", name: "Board Portal", type: "Security", role: null, beginDate: null, endDate: null }],
    });
    const result = await write([again]);
    assert.deepEqual([...result.outcomes], [["W1", "unchanged"]]);
    assert.deepEqual(result.changes, []);
    const member = await repo(MemberEntity).findOneByOrFail({ memberKey: "W1" });
    assert.equal(member.lastRefreshedAt.toISOString(), clock.now().toISOString());
    assert.ok(member.changedAt < member.lastRefreshedAt);
  });

  it("replaces every child list: a committee the AMS no longer lists is removed", async () => {
    const result = await write([memberRecord("W1", { phones: [], communities: [committee("FIN", "Member")] })]);
    const change = result.changes[0]!;
    assert.deepEqual(change.communitiesRemoved, [{ key: "AUD", role: "Member" }]);
    assert.deepEqual(change.communitiesAdded, []);
    assert.deepEqual(
      change.communitiesChanged,
      [{ key: "FIN", role: "Member" }],
      "a new role in a community kept is a change, not a leave and a join",
    );
    assert.deepEqual(change.securityGroupsRemoved, [{ key: "PORTAL", role: null }]);
    const memberships = await repo(CommunityMembershipEntity).findBy({ memberKey: "W1" });
    assert.deepEqual(
      memberships.map((row) => [row.communityKey, row.role]),
      [["FIN", "Member"]],
    );
    assert.equal(await repo(MemberPhoneEntity).countBy({ memberKey: "W1" }), 0);
    assert.equal(await repo(CommunityEntity).countBy({ communityKey: "AUD" }), 1, "communities are kept for others");
  });

  it("announces a membership whose term moved once, as changed, never as both added and removed", async () => {
    await write([memberRecord("W7", { communities: [committee("FIN", "Member", { endDate: "2027-06-30" })] })]);
    const result = await write([memberRecord("W7", { communities: [committee("FIN", "Member", { endDate: "2028-06-30" })] })]);
    const change = result.changes[0]!;
    assert.deepEqual(
      [change.communitiesAdded, change.communitiesRemoved, change.communitiesChanged],
      [[], [], [{ key: "FIN", role: "Member" }]],
    );
  });

  it("rewrites only the lists that changed, and everything when the stored list hashes are unknown", async () => {
    const base = { communities: [committee("FIN", "Member")], phones: [{ number: "555-0001", type: "WORK" as const }] };
    await write([memberRecord("W9", base)]);
    const touched = async (record: MemberRecord) =>
      (await statements.measure(() => write([record]))).statements
        .filter((sql) => /^(DELETE FROM|INSERT INTO) `(member_phones|community_memberships|security_group_memberships)`/.test(sql))
        .map((sql) => sql.split("`")[1]);
    const newPhone = { ...base, phones: [{ number: "555-0002", type: "WORK" as const }] };
    assert.deepEqual(
      await touched(memberRecord("W9", newPhone)),
      ["member_phones", "member_phones"],
      "a phone change rewrites the phones alone",
    );
    assert.equal((await repo(MemberPhoneEntity).findOneByOrFail({ memberKey: "W9" })).number, "555-0002");
    await repo(MemberEntity).update({ memberKey: "W9" }, { listHashes: "", contentHash: "" });
    const all = await touched(memberRecord("W9", newPhone));
    assert.deepEqual(new Set(all), new Set(["member_phones", "community_memberships", "security_group_memberships"]));
    assert.equal(await repo(CommunityMembershipEntity).countBy({ memberKey: "W9" }), 1, "and the rows are still right");
  });

  it("rewrites a member hashed by an earlier version once, in full, announcing nothing", async () => {
    const record = memberRecord("W10", { communities: [committee("FIN", "Member")], phones: [{ number: "555-0010", type: "WORK" }] });
    await write([record]);
    // What versions that hashed the rows' JSON stored: a content hash and JSON list hashes.
    const json = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");
    await repo(MemberEntity).update(
      { memberKey: "W10" },
      { contentHash: json({ any: "rows" }), listHashes: `p=${json([]).slice(0, 16)};c=${json([]).slice(0, 16)}` },
    );
    const upgraded = await statements.measure(() => write([record]));
    assert.deepEqual([...upgraded.result.outcomes], [["W10", "refreshed"]]);
    assert.deepEqual(upgraded.result.changes, [], "the same values: no memberChanged event");
    const rewritten = new Set(upgraded.statements.filter((sql) => sql.startsWith("INSERT INTO `")).map((sql) => sql.split("`")[1]));
    assert.ok(rewritten.has("member_phones") && rewritten.has("community_memberships"), [...rewritten].join(", "));
    assert.equal(await repo(MemberPhoneEntity).countBy({ memberKey: "W10" }), 1);
    assert.deepEqual([...(await write([record])).outcomes], [["W10", "unchanged"]], "and after that the new hashes match");
  });

  it("keeps only allowed community types and disables filtered-out member types", async () => {
    const env = { SYNC_COMMUNITY_TYPES: "Chapter/Regional", SYNC_ALLOWED_MEMBER_TYPES: "Regular,Student" };
    await write(
      [
        memberRecord("W2", {
          communities: [
            committee("COM", "Member"),
            committee("NE", "Member", { type: "Chapter", subType: "Regional", name: "Northeast" }),
            committee("LOC", "Member", { type: "Chapter", subType: "Local" }),
          ],
        }),
        memberRecord("W3", { memberType: "Retired" }),
      ],
      [],
      env,
    );
    const kept = await repo(CommunityMembershipEntity).findBy({ memberKey: "W2" });
    assert.deepEqual(
      kept.map((row) => row.communityKey),
      ["NE"],
    );
    assert.equal(await repo(CommunityEntity).countBy({ communityKey: "LOC" }), 0, "filtered communities are not created");
    const retired = await repo(MemberEntity).findOneByOrFail({ memberKey: "W3" });
    assert.deepEqual([retired.status, retired.isMember], ["DISABLED", false]);
  });

  it("marks a lapsed membership EXPIRED and a non-member type ACTIVE but not a member", async () => {
    await write([
      memberRecord("W4", { membershipExpiresOn: "2026-10-31" }),
      memberRecord("W5", { memberType: "Non-member", membershipExpiresOn: null }),
    ]);
    const [lapsed, prospect] = await Promise.all(["W4", "W5"].map((key) => repo(MemberEntity).findOneByOrFail({ memberKey: key })));
    assert.deepEqual([lapsed!.status, lapsed!.isMember], ["EXPIRED", false]);
    assert.deepEqual([prospect!.status, prospect!.isMember], ["ACTIVE", false]);
  });

  // Two full-load batches are written at once. Inside a batch's transaction the first sight of
  // a community holds its new row until commit, so a second batch naming it (another process, or
  // the same one) waited for the whole first transaction. Prepared beforehand, it is committed.
  it("writes a batch naming a community another open batch saw first without waiting, once its references are prepared", async () => {
    const newCommunity = () => [committee("FIRST-SIGHT", "Member")];
    const securityGroups = [{ groupKey: "NEW-GROUP", name: "New group", type: "Security", role: null, beginDate: null, endDate: null }];
    const first = memberRecord("P1", { communities: newCommunity(), securityGroups });
    const second = memberRecord("P2", { communities: newCommunity(), securityGroups });
    const [one, other] = [writer(), writer()];
    const { dataSource } = database;
    await withHeldTransaction(dataSource, [], async (holder, waiter) => {
      await one.prepareReferences(dataSource.manager, [first]);
      await one.write(holder.manager, [first], []);
      await other.prepareReferences(dataSource.manager, [second]);
      const written = await other.write(waiter.manager, [second], []);
      assert.deepEqual([...written.outcomes], [["P2", "refreshed"]]);
      await waiter.commitTransaction();
      await holder.commitTransaction();
    });
    const memberships = await repo(CommunityMembershipEntity).findBy({ communityKey: "FIRST-SIGHT" });
    assert.deepEqual(memberships.map((row) => row.memberKey).sort(), ["P1", "P2"]);
    assert.equal(await repo(SecurityGroupMembershipEntity).countBy({ groupKey: "NEW-GROUP" }), 2);
  });

  it("never deletes a member gone from the AMS: it becomes DISABLED and loses its derived groups", async () => {
    const result = await write([], ["W1", "NEVER-SEEN"]);
    assert.deepEqual(
      result.changes.map((change) => [change.memberKey, change.kind]),
      [["W1", "DISABLED"]],
    );
    const member = await repo(MemberEntity).findOneByOrFail({ memberKey: "W1" });
    assert.deepEqual([member.status, member.isMember, member.isActive], ["DISABLED", false, false]);
    const groups = await repo(SecurityGroupMembershipEntity).findBy({ memberKey: "W1" });
    assert.ok(
      groups.every((row) => row.position < 1_000),
      "no system groups left",
    );
    assert.equal(await repo(MemberEntity).countBy({ memberKey: "NEVER-SEEN" }), 0);
    const back = await write([memberRecord("W1")]);
    assert.equal((await repo(MemberEntity).findOneByOrFail({ memberKey: "W1" })).status, "ACTIVE", "a returning member is rewritten");
    assert.ok(back.changes[0]!.changedFields.includes("status"));
  });
});
