import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { instant, keyColumn, longText, text } from "./column-types";

/** Where a completion's delivery to the AMS stands. */
export const WRITEBACK_STATUSES = ["PENDING", "SENDING", "SENT", "DEAD"] as const;
export type WritebackStatusValue = (typeof WRITEBACK_STATUSES)[number];

/**
 * The durable outbox: one row per completion, claimed with a lease (SENDING) by one dispatcher
 * at a time. A SENDING row that comes due again is one whose sender stopped answering. SENT and
 * DEAD rows stay, as the completion's writeback history.
 */
@Entity({ name: "writeback_outbox" })
@Index("idx_writeback_outbox_claim", ["status", "nextAttemptAt"])
export class WritebackOutboxEntity {
  @PrimaryColumn(keyColumn()) idempotencyKey!: string;
  @Column(text(100, false)) memberKey!: string;
  @Column(text(16, false)) status!: WritebackStatusValue;
  /** Sends begun (a claim counts one). */
  @Column({ type: "int", default: 0 }) attempts!: number;
  /** PENDING: when it may be sent. SENDING: when the lease runs out. */
  @Column(instant()) nextAttemptAt!: Date;
  @Column(text(100)) leaseOwner!: string | null;
  @Column(text(32)) lastErrorCode!: string | null;
  @Column(longText()) lastError!: string | null;
  @Column(instant(true)) sentAt!: Date | null;
  @Column(instant()) updatedAt!: Date;
}
