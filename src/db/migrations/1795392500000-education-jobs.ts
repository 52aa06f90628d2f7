import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey } from "typeorm";
import { cascade, day, flag, key, position, requiredText, varchar } from "./table-columns";

const memberForeignKey = (table: string) =>
  new TableForeignKey({
    name: `fk_${table}_member`,
    columnNames: ["member_key"],
    referencedTableName: "members",
    referencedColumnNames: ["member_key"],
    ...cascade,
  });

/** Room in `members.list_hashes` for one 16-character hash per child list, with a dozen lists. */
const LIST_HASHES_CHARS = 255;

/**
 * Education and job history, two more child lists of a member (MemberInfo `Education[]`,
 * `JobHistory[]`), and a wider `list_hashes` for their hashes (each list adds 19 characters).
 */
export class EducationJobs1795392500000 implements MigrationInterface {
  name = "EducationJobs1795392500000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "member_education",
        columns: [
          key("member_key", true),
          position(),
          varchar("institution", 200, false),
          varchar("degree", 200),
          varchar("field_of_study", 200),
          day("start_date"),
          day("end_date"),
        ],
        foreignKeys: [memberForeignKey("member_education")],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: "member_job_history",
        columns: [
          key("member_key", true),
          position(),
          varchar("company", 200, false),
          varchar("title", 200),
          day("start_date"),
          day("end_date"),
          flag("is_current"),
        ],
        foreignKeys: [memberForeignKey("member_job_history")],
      }),
    );
    await queryRunner.changeColumn("members", "list_hashes", new TableColumn(requiredText("list_hashes", LIST_HASHES_CHARS, "")));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.changeColumn("members", "list_hashes", new TableColumn(requiredText("list_hashes", 120, "")));
    await queryRunner.dropTable("member_job_history");
    await queryRunner.dropTable("member_education");
  }
}
