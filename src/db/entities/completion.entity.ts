import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { instant, keyColumn, text } from "./column-types";

/**
 * A completion a learning system recorded, as accepted: committed together with its
 * `writeback_outbox` row, keyed by the LMS's idempotency key (which the AMS receives too).
 */
@Entity({ name: "completions" })
@Index("idx_completions_member", ["memberKey", "completedAt"])
export class CompletionEntity {
  @PrimaryColumn(keyColumn()) idempotencyKey!: string;
  @Column(text(100, false)) memberKey!: string;
  @Column(text(100, false)) activityKey!: string;
  @Column(text(500, false)) title!: string;
  @Column(instant()) completedAt!: Date;
  @Column({ type: "double", nullable: true }) credits!: number | null;
  @Column(text(50)) creditType!: string | null;
  /** SHA-256 (hex) of the content: the same key with other content is a conflict, not a replay. */
  @Column(text(64, false)) contentHash!: string;
  @Column(instant()) acceptedAt!: Date;
}
