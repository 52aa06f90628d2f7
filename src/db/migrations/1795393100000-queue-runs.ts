import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from "typeorm";
import { flag } from "./table-columns";

/**
 * The run a queued member's pending refresh answers moves onto its queue row (`run_id`), so the
 * usual member, queued by one run, costs no row in `refresh_queue_runs`. That table keeps only
 * the further runs a member was queued by (`extra_runs` says it has some). Links already there
 * stay links: the rows that have them are flagged, so nothing waiting is lost on upgrade.
 */
export class QueueRuns1795393100000 implements MigrationInterface {
  name = "QueueRuns1795393100000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn("refresh_queue", new TableColumn({ name: "run_id", type: "varchar", length: "36", isNullable: true }));
    await queryRunner.addColumn("refresh_queue", new TableColumn(flag("extra_runs")));
    await queryRunner.createIndex("refresh_queue", new TableIndex({ name: "idx_refresh_queue_run", columnNames: ["run_id"] }));
    await queryRunner.query("UPDATE refresh_queue SET extra_runs = 1 WHERE member_key IN (SELECT member_key FROM refresh_queue_runs)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to links only: the run on each row becomes a link again.
    await queryRunner.query(
      "INSERT INTO refresh_queue_runs (member_key, run_id, after_lease) SELECT member_key, run_id, 0 FROM refresh_queue WHERE run_id IS NOT NULL",
    );
    await queryRunner.dropIndex("refresh_queue", "idx_refresh_queue_run");
    await queryRunner.dropColumn("refresh_queue", "extra_runs");
    await queryRunner.dropColumn("refresh_queue", "run_id");
  }
}
