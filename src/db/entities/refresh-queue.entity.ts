import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { flag, instant, keyColumn, longText, text } from "./column-types";

/**
 * The durable refresh queue: one row per member key, so a second change coalesces into the
 * pending row. A row is claimable when due and not leased (or its lease ran out).
 */
@Entity({ name: "refresh_queue" })
@Index("idx_refresh_queue_claim", ["priority", "nextAttemptAt"])
@Index("idx_refresh_queue_run", ["runId"])
export class RefreshQueueEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  /** Why it is queued (the highest-priority reason wins when changes coalesce). */
  @Column(text(16, false)) reason!: string;
  /** Lower goes first (see REFRESH_PRIORITY). */
  @Column({ type: "int" }) priority!: number;
  /** Claims so far; reset when a refresh succeeds. */
  @Column({ type: "int", default: 0 }) attempts!: number;
  @Column(instant()) nextAttemptAt!: Date;
  @Column(text(100)) leaseOwner!: string | null;
  @Column(instant(true)) leaseExpiresAt!: Date | null;
  /** A change arrived while a worker held the lease: refresh once more after it finishes. */
  @Column(flag()) requeue!: boolean;
  @Column(text(32)) lastErrorCode!: string | null;
  @Column(longText()) lastError!: string | null;
  @Column(instant()) enqueuedAt!: Date;
  /** The newest AMS change time a poll listed for this member; the cache records it on refresh. */
  @Column(instant(true)) sourceUpdatedAt!: Date | null;
  /** The run the pending refresh answers (null: none, or only those in refresh_queue_runs). */
  @Column({ type: "varchar", length: 36, nullable: true }) runId!: string | null;
  /** Further runs wait on this member in refresh_queue_runs: settling it must answer them too. */
  @Column(flag()) extraRuns!: boolean;
}
