import { Column, Entity, PrimaryColumn } from "typeorm";
import { instant, longText, text } from "./column-types";

/** How far a change stream (members, events) has been read, in the AMS's own clock. */
@Entity({ name: "sync_cursors" })
export class SyncCursorEntity {
  @PrimaryColumn({ type: "varchar", length: 32 }) stream!: string;
  /** The newest `LastUpdated` seen (ISO-8601); null until a first poll found something. */
  @Column(text(64)) cursor!: string | null;
  @Column(instant(true)) lastPolledAt!: Date | null;
  @Column(instant(true)) lastSuccessfulPollAt!: Date | null;
  @Column(longText()) lastError!: string | null;
  @Column(instant()) updatedAt!: Date;
}
