import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from "typeorm";
import { cascade, day, flag, instant, key, longText, position, requiredText, varchar } from "./table-columns";

const memberForeignKey = (table: string) =>
  new TableForeignKey({
    name: `fk_${table}_member`,
    columnNames: ["member_key"],
    referencedTableName: "members",
    referencedColumnNames: ["member_key"],
    ...cascade,
  });

/** The cache: members and their child lists, communities, security groups, events. */
export class InitialSchema1795392000000 implements MigrationInterface {
  name = "InitialSchema1795392000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "members",
        columns: [
          key("member_key", true),
          varchar("member_id", 64),
          varchar("prefix", 32),
          requiredText("first_name", 100, ""),
          varchar("middle_name", 100),
          requiredText("last_name", 100, ""),
          varchar("informal_name", 100),
          varchar("suffix", 32),
          varchar("designation", 100),
          varchar("email", 320),
          varchar("address_line1", 200),
          varchar("address_line2", 200),
          varchar("address_line3", 200),
          varchar("city", 100),
          varchar("state_province", 100),
          varchar("postal_code", 32),
          varchar("country", 100),
          varchar("website_url", 500),
          varchar("company_name", 200),
          varchar("title", 200),
          longText("bio"),
          varchar("profile_image_url", 500),
          varchar("member_type", 100),
          flag("is_active", true),
          flag("is_organization"),
          flag("exclude_from_directory"),
          day("member_since"),
          day("membership_expires_on"),
          flag("is_member"),
          requiredText("status", 16, "ACTIVE"),
          requiredText("content_hash", 64, ""),
          instant("source_updated_at", true),
          instant("last_refreshed_at"),
          instant("changed_at"),
          instant("created_at"),
        ],
        indices: [
          new TableIndex({ name: "idx_members_sort", columnNames: ["last_name", "first_name", "member_key"] }),
          new TableIndex({ name: "idx_members_member_type", columnNames: ["member_type"] }),
          new TableIndex({ name: "idx_members_status", columnNames: ["status"] }),
          new TableIndex({ name: "idx_members_changed_at", columnNames: ["changed_at"] }),
          new TableIndex({ name: "idx_members_email", columnNames: ["email"] }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: "member_phones",
        columns: [key("member_key", true), position(), varchar("number", 64, false), varchar("type", 32)],
        foreignKeys: [memberForeignKey("member_phones")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "member_social_links",
        columns: [key("member_key", true), position(), varchar("network", 32, false), varchar("url", 500, false)],
        foreignKeys: [memberForeignKey("member_social_links")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "member_demographics",
        columns: [
          key("member_key", true),
          position(),
          varchar("type_key", 100),
          varchar("type", 200, false),
          varchar("value_key", 100),
          varchar("value", 500, false),
          flag("is_free_form"),
        ],
        foreignKeys: [memberForeignKey("member_demographics")],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: "communities",
        columns: [
          key("community_key", true),
          varchar("name", 200, false),
          varchar("type", 100),
          varchar("sub_type", 100),
          varchar("parent_key", 100),
          instant("source_updated_at", true),
          instant("last_refreshed_at"),
          instant("created_at"),
        ],
        indices: [
          new TableIndex({ name: "idx_communities_type", columnNames: ["type", "sub_type"] }),
          new TableIndex({ name: "idx_communities_parent", columnNames: ["parent_key"] }),
          new TableIndex({ name: "idx_communities_name", columnNames: ["name"] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "community_memberships",
        columns: [
          key("member_key", true),
          position(),
          key("community_key"),
          varchar("role", 100),
          day("since_date"),
          day("begin_date"),
          day("end_date"),
        ],
        indices: [
          new TableIndex({
            name: "idx_community_memberships_community",
            columnNames: ["community_key", "member_key"],
          }),
        ],
        foreignKeys: [
          memberForeignKey("community_memberships"),
          new TableForeignKey({
            name: "fk_community_memberships_community",
            columnNames: ["community_key"],
            referencedTableName: "communities",
            referencedColumnNames: ["community_key"],
            ...cascade,
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: "security_groups",
        columns: [
          key("group_key", true),
          varchar("name", 200, false),
          varchar("kind", 16, false),
          varchar("ams_type", 100),
          flag("grants_member_status"),
          flag("is_staff"),
          flag("is_admin"),
          instant("source_updated_at", true),
          instant("last_refreshed_at"),
          instant("created_at"),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "security_group_memberships",
        columns: [key("member_key", true), position(), key("group_key"), varchar("role", 100), day("begin_date"), day("end_date")],
        indices: [
          new TableIndex({
            name: "idx_security_group_memberships_group",
            columnNames: ["group_key", "member_key"],
          }),
        ],
        foreignKeys: [
          memberForeignKey("security_group_memberships"),
          new TableForeignKey({
            name: "fk_security_group_memberships_group",
            columnNames: ["group_key"],
            referencedTableName: "security_groups",
            referencedColumnNames: ["group_key"],
            ...cascade,
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: "events",
        columns: [
          key("event_key", true),
          varchar("title", 300, false),
          longText("description"),
          instant("starts_at"),
          instant("ends_at", true),
          varchar("time_zone", 64),
          varchar("location", 300),
          varchar("url", 500),
          varchar("product_code", 100),
          varchar("category", 100),
          flag("is_members_only"),
          flag("is_deleted"),
          instant("source_updated_at", true),
          instant("last_refreshed_at"),
          instant("created_at"),
        ],
        indices: [new TableIndex({ name: "idx_events_starts_at", columnNames: ["starts_at", "event_key"] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      "events",
      "security_group_memberships",
      "security_groups",
      "community_memberships",
      "communities",
      "member_demographics",
      "member_social_links",
      "member_phones",
      "members",
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
