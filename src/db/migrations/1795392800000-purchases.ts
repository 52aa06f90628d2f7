import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from "typeorm";
import { cascade, day, key, position, varchar } from "./table-columns";

/**
 * Members' product orders (eCommerce) and the purchase a derived membership comes from. Their
 * list hash fits in the `members.list_hashes` room the education migration made.
 */
export class Purchases1795392800000 implements MigrationInterface {
  name = "Purchases1795392800000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "member_purchases",
        columns: [
          key("member_key", true),
          position(),
          varchar("product_code", 100, false),
          varchar("product_name", 200),
          day("order_date"),
          varchar("status", 100),
          { name: "quantity", type: "integer", default: 1 },
          day("term_begin"),
          day("term_end"),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: "fk_member_purchases_member",
            columnNames: ["member_key"],
            referencedTableName: "members",
            referencedColumnNames: ["member_key"],
            ...cascade,
          }),
        ],
        indices: [new TableIndex({ name: "idx_member_purchases_product", columnNames: ["product_code", "member_key"] })],
      }),
    );
    await queryRunner.addColumn("community_memberships", new TableColumn(varchar("granted_by", 100)));
    await queryRunner.addColumn("security_group_memberships", new TableColumn(varchar("granted_by", 100)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("security_group_memberships", "granted_by");
    await queryRunner.dropColumn("community_memberships", "granted_by");
    await queryRunner.dropTable("member_purchases");
  }
}
