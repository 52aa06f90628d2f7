import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { DatabaseConfig } from "../src/config/config";
import { Database } from "../src/db/data-source";
import { CommunityMembershipEntity, MemberEntity, MemberPhoneEntity } from "../src/db/entities";
import { mysqlConfig, resetDatabase, sqliteConfig } from "./support/database";
import { seedCommunities, seedMembers } from "./support/fixtures";

const engines: Array<[string, () => DatabaseConfig]> = [
  ["MariaDB/MySQL", mysqlConfig],
  ["embedded SQLite", () => sqliteConfig(path.join(mkdtempSync(path.join(tmpdir(), "amsgate-storage-")), "cache.sqlite"))],
];

for (const [name, configFor] of engines) {
  describe(`storage on ${name}`, () => {
    it("migrates an empty database to exactly the entities (schema:log reports no drift)", async () => {
      const config = configFor();
      await resetDatabase(config);
      const database = await Database.create(config);
      try {
        await database.open();
        const drift = await database.dataSource.driver.createSchemaBuilder().log();
        assert.deepEqual(
          drift.upQueries.map((query) => query.query),
          [],
        );
        assert.equal(await database.isReady(), true);
        const tables = (await database.dataSource.createQueryRunner().getTables()).map((table) => table.name.split(".").pop());
        for (const table of [
          "members",
          "member_phones",
          "member_social_links",
          "member_demographics",
          "communities",
          "community_memberships",
          "security_groups",
          "security_group_memberships",
          "events",
        ]) {
          assert.ok(tables.includes(table), `missing table ${table}`);
        }
      } finally {
        await database.close();
      }
    });

    it("keeps data and applies nothing twice across restarts", async () => {
      const config = configFor();
      await resetDatabase(config);
      const first = await Database.create(config);
      await first.open();
      await seedCommunities(first.dataSource, [{ communityKey: "C1", name: "Committee" }]);
      await seedMembers(first.dataSource, [
        {
          memberKey: "M1",
          firstName: "Zoë",
          lastName: "Ōkubo",
          bio: "x".repeat(5_000),
          memberSince: "1999-12-31",
          sourceUpdatedAt: new Date("2026-02-03T04:05:06.789Z"),
          excludeFromDirectory: true,
          phones: [{ number: "555-0100", type: "FAX" }],
          communities: [{ communityKey: "C1", role: "Chair", beginDate: "2026-01-01", endDate: "2026-12-31" }],
        },
      ]);
      await first.close();
      if (config.kind === "sqlite") assert.ok(existsSync(config.file), "the embedded database is written to its file");

      const second = await Database.create(config);
      try {
        await second.open();
        assert.equal(await second.dataSource.showMigrations(), false);
        const member = await second.dataSource.getRepository(MemberEntity).findOneByOrFail({ memberKey: "M1" });
        assert.equal(member.firstName, "Zoë");
        assert.equal(member.lastName, "Ōkubo");
        assert.equal(member.bio?.length, 5_000);
        assert.equal(member.memberSince, "1999-12-31", "dates never shift with a time zone");
        assert.equal(member.sourceUpdatedAt?.toISOString(), "2026-02-03T04:05:06.789Z", "instants keep milliseconds");
        assert.equal(member.excludeFromDirectory, true);
        assert.equal(member.isOrganization, false);
        const phone = await second.dataSource.getRepository(MemberPhoneEntity).findOneByOrFail({ memberKey: "M1" });
        assert.deepEqual([phone.position, phone.number, phone.type], [1, "555-0100", "FAX"]);
        const membership = await second.dataSource.getRepository(CommunityMembershipEntity).findOneByOrFail({ memberKey: "M1" });
        assert.deepEqual([membership.beginDate, membership.endDate], ["2026-01-01", "2026-12-31"]);
      } finally {
        await second.close();
      }
    });

    it("refuses a membership of a community that does not exist (foreign keys hold)", async () => {
      const config = configFor();
      await resetDatabase(config);
      const database = await Database.create(config);
      try {
        await database.open();
        await assert.rejects(
          seedMembers(database.dataSource, [{ memberKey: "M2", communities: [{ communityKey: "missing" }] }]),
          /foreign key/i,
        );
      } finally {
        await database.close();
      }
    });
  });
}
