import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { flag, keyColumn } from "./column-types";

/**
 * Which sync runs wait on a queued member. A member queued by a periodic poll and again by an
 * admin belongs to both runs; each run completes when none of its members is left.
 */
@Entity({ name: "refresh_queue_runs" })
@Index("idx_refresh_queue_runs_run", ["runId"])
export class RefreshQueueRunEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn({ type: "varchar", length: 36 }) runId!: string;
  /** Linked while a worker held the member: it waits for the next refresh, not the current one. */
  @Column(flag()) afterLease!: boolean;
}
