import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";
import { instant, longText, varchar } from "./table-columns";

/** Answers stored under a push's Idempotency-Key, and the rows a CSV import skipped. */
export class Ingest1795392400000 implements MigrationInterface {
  name = "Ingest1795392400000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "push_idempotency",
        columns: [
          { name: "scope_key", type: "varchar", length: "64", isPrimary: true },
          varchar("request_hash", 64, false),
          { name: "status", type: "integer", isNullable: true },
          longText("answer"),
          instant("created_at"),
          instant("expires_at"),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "import_row_errors",
        columns: [
          { name: "run_id", type: "varchar", length: "36", isPrimary: true },
          { name: "position", type: "integer", isPrimary: true },
          { name: "row_number", type: "integer" },
          varchar("column_name", 120),
          varchar("reason", 500, false),
        ],
      }),
    );
    await queryRunner.createIndex(
      "push_idempotency",
      new TableIndex({ name: "idx_push_idempotency_expires", columnNames: ["expires_at"] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("import_row_errors");
    await queryRunner.dropTable("push_idempotency");
  }
}
