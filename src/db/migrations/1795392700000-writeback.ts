import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { instant, key, longText, varchar } from "./table-columns";

/** Completions from a learning system and their writeback outbox (committed together). */
export class Writeback1795392700000 implements MigrationInterface {
  name = "Writeback1795392700000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "completions",
        columns: [
          key("idempotency_key", true),
          varchar("member_key", 100, false),
          varchar("activity_key", 100, false),
          varchar("title", 500, false),
          instant("completed_at"),
          { name: "credits", type: "double", isNullable: true },
          varchar("credit_type", 50),
          varchar("content_hash", 64, false),
          instant("accepted_at"),
        ],
      }),
    );
    await queryRunner.createIndex(
      "completions",
      new TableIndex({ name: "idx_completions_member", columnNames: ["member_key", "completed_at"] }),
    );
    await queryRunner.createTable(
      new Table({
        name: "writeback_outbox",
        columns: [
          key("idempotency_key", true),
          varchar("member_key", 100, false),
          varchar("status", 16, false),
          { name: "attempts", type: "integer", default: 0 },
          instant("next_attempt_at"),
          varchar("lease_owner", 100),
          varchar("last_error_code", 32),
          longText("last_error"),
          instant("sent_at", true),
          instant("updated_at"),
        ],
      }),
    );
    await queryRunner.createIndex(
      "writeback_outbox",
      new TableIndex({ name: "idx_writeback_outbox_claim", columnNames: ["status", "next_attempt_at"] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("writeback_outbox");
    await queryRunner.dropTable("completions");
  }
}
