import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { flag, instant, text } from "./column-types";

export const SYNC_RUN_KINDS = [
  "PERIODIC",
  "EVENTS",
  "MANUAL",
  "COMMUNITY",
  "FULL",
  "RETRY",
  "LOGIN",
  "SWEEP",
  "PUSH",
  "WEBHOOK",
  "IMPORT",
] as const;
export type SyncRunKindValue = (typeof SYNC_RUN_KINDS)[number];

export const SYNC_RUN_STATUSES = ["RUNNING", "SUCCEEDED", "PARTIAL", "FAILED"] as const;
export type SyncRunStatusValue = (typeof SYNC_RUN_STATUSES)[number];

/** One sync run and its counts; every change is published as progress. */
@Entity({ name: "sync_runs" })
@Index("idx_sync_runs_started", ["startedAt", "id"])
@Index("idx_sync_runs_status", ["status"])
export class SyncRunEntity {
  @PrimaryColumn({ type: "varchar", length: 36 }) id!: string;
  @Column(text(16, false)) kind!: SyncRunKindValue;
  @Column(text(16, false)) status!: SyncRunStatusValue;
  /** What the run was about (a community key, a member key) or why it failed. */
  @Column(text(500)) detail!: string | null;
  /** The process discovering its work (its lease says whether it is still alive); null when unknown. */
  @Column(text(100)) owner!: string | null;
  /** Still finding work; a run cannot complete before its discovery ends. */
  @Column(flag()) discovering!: boolean;
  @Column(instant()) startedAt!: Date;
  @Column(instant(true)) finishedAt!: Date | null;
  @Column({ type: "int", default: 0 }) discovered!: number;
  @Column({ type: "int", default: 0 }) queued!: number;
  @Column({ type: "int", default: 0 }) refreshed!: number;
  @Column({ type: "int", default: 0 }) unchanged!: number;
  @Column({ type: "int", default: 0 }) failed!: number;
}
