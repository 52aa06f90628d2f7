import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from "typeorm";
import { day, flag, instant, key, longText, requiredText, varchar } from "./table-columns";

const count = (name: string) => ({ name, type: "integer", default: 0 });
const runId = (name: string, isPrimary = false) => ({ name, type: "varchar", length: "36", isPrimary });

/** Frozen here: the system groups as they shipped with this migration. */
const SYSTEM_GROUPS = [
  { key: "Public", name: "Public" },
  { key: "Authenticated", name: "Authenticated" },
  { key: "IsMember", name: "Is Member", grantsMemberStatus: true },
  { key: "Staff", name: "Staff", isStaff: true },
  { key: "Admin", name: "Admin", isAdmin: true },
];

/** The refresh queue and its run links, dead letters, sync runs, cursors; the expiry sweep's column. */
export class SyncEngine1795392100000 implements MigrationInterface {
  name = "SyncEngine1795392100000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "refresh_queue",
        columns: [
          key("member_key", true),
          varchar("reason", 16, false),
          { name: "priority", type: "integer" },
          count("attempts"),
          instant("next_attempt_at"),
          varchar("lease_owner", 100),
          instant("lease_expires_at", true),
          flag("requeue"),
          varchar("last_error_code", 32),
          longText("last_error"),
          instant("enqueued_at"),
          instant("source_updated_at", true),
        ],
        indices: [new TableIndex({ name: "idx_refresh_queue_claim", columnNames: ["priority", "next_attempt_at"] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "refresh_queue_runs",
        columns: [key("member_key", true), runId("run_id", true), flag("after_lease")],
        indices: [new TableIndex({ name: "idx_refresh_queue_runs_run", columnNames: ["run_id"] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "refresh_failures",
        columns: [
          key("member_key", true),
          varchar("reason", 16, false),
          { name: "attempts", type: "integer" },
          varchar("error_code", 32, false),
          longText("last_error"),
          instant("enqueued_at"),
          instant("failed_at"),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "sync_runs",
        columns: [
          runId("id", true),
          varchar("kind", 16, false),
          varchar("status", 16, false),
          varchar("detail", 500),
          flag("discovering"),
          instant("started_at"),
          instant("finished_at", true),
          count("discovered"),
          count("queued"),
          count("refreshed"),
          count("unchanged"),
          count("failed"),
        ],
        indices: [
          new TableIndex({ name: "idx_sync_runs_started", columnNames: ["started_at", "id"] }),
          new TableIndex({ name: "idx_sync_runs_status", columnNames: ["status"] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "sync_cursors",
        columns: [
          { name: "stream", type: "varchar", length: "32", isPrimary: true },
          varchar("cursor", 64),
          instant("last_polled_at", true),
          instant("last_successful_poll_at", true),
          longText("last_error"),
          instant("updated_at"),
        ],
      }),
    );
    await queryRunner.addColumn("members", new TableColumn(day("next_transition_on")));
    await queryRunner.addColumn("members", new TableColumn(requiredText("list_hashes", 120, "")));
    await queryRunner.createIndex("members", new TableIndex({ name: "idx_members_next_transition", columnNames: ["next_transition_on"] }));

    // Plain SQL: a migration must not depend on entity metadata, which may change later.
    const now = new Date();
    for (const group of SYSTEM_GROUPS) {
      // The driver formats dates and booleans the way its database stores them.
      const [sql, parameters] = queryRunner.connection.driver.escapeQueryWithParameters(
        "INSERT INTO security_groups (group_key, name, kind, ams_type, grants_member_status, is_staff, is_admin, " +
          "last_refreshed_at, created_at) VALUES (:key, :name, 'SYSTEM', NULL, :member, :staff, :admin, :now, :now)",
        {
          key: group.key,
          name: group.name,
          member: group.grantsMemberStatus ?? false,
          staff: group.isStaff ?? false,
          admin: group.isAdmin ?? false,
          now,
        },
      );
      await queryRunner.query(sql, parameters);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM security_groups WHERE kind = 'SYSTEM'`);
    await queryRunner.dropIndex("members", "idx_members_next_transition");
    await queryRunner.dropColumn("members", "list_hashes");
    await queryRunner.dropColumn("members", "next_transition_on");
    for (const table of ["sync_cursors", "sync_runs", "refresh_failures", "refresh_queue_runs", "refresh_queue"]) {
      await queryRunner.dropTable(table);
    }
  }
}
