import { Column, Entity, PrimaryColumn } from "typeorm";
import { text } from "./column-types";

/** One row a CSV import skipped: its number in the file, the column at fault, and why. */
@Entity({ name: "import_row_errors" })
export class ImportRowErrorEntity {
  /** The import's sync run (kind IMPORT); the errors go with it when old runs are purged. */
  @PrimaryColumn({ type: "varchar", length: 36 }) runId!: string;
  @PrimaryColumn({ type: "int" }) position!: number;
  @Column({ type: "int" }) rowNumber!: number;
  @Column(text(120)) columnName!: string | null;
  @Column(text(500, false)) reason!: string;
}
