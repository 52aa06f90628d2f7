import { Column, Entity, PrimaryColumn } from "typeorm";
import { instant, text } from "./column-types";

/**
 * A lease one process holds for a while and renews (DESIGN §9): the leader's (who polls and
 * sweeps), and each live process's own (whose runs are still being worked on).
 */
@Entity({ name: "sync_leases" })
export class SyncLeaseEntity {
  @PrimaryColumn({ type: "varchar", length: 120 }) name!: string;
  /** The process instance holding it; empty when nobody ever did. */
  @Column(text(100, false)) holder!: string;
  @Column(instant()) expiresAt!: Date;
  /** When the current holder took it (not when it last renewed). */
  @Column(instant()) acquiredAt!: Date;
}
