import { type MigrationInterface, type QueryRunner, Table, TableColumn } from "typeorm";
import { instant, varchar } from "./table-columns";

/** Leases for the one leader among several processes, and an owner on each run. */
export class Leases1795392300000 implements MigrationInterface {
  name = "Leases1795392300000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "sync_leases",
        columns: [
          { name: "name", type: "varchar", length: "120", isPrimary: true },
          varchar("holder", 100, false),
          instant("expires_at"),
          instant("acquired_at"),
        ],
      }),
    );
    await queryRunner.addColumn("sync_runs", new TableColumn(varchar("owner", 100)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("sync_runs", "owner");
    await queryRunner.dropTable("sync_leases");
  }
}
