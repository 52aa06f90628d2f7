import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { instant } from "./table-columns";

/** Replay protection for single-use sign-on tokens. */
export class SignOn1795392200000 implements MigrationInterface {
  name = "SignOn1795392200000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "sso_used_tokens",
        columns: [{ name: "token_id", type: "varchar", length: "160", isPrimary: true }, instant("expires_at")],
        indices: [new TableIndex({ name: "idx_sso_used_tokens_expires", columnNames: ["expires_at"] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("sso_used_tokens");
  }
}
