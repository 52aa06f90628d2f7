import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { flag, instant, keyColumn, longText, text } from "./column-types";

/** An AMS event (meeting, course, conference), polled on its own interval. */
@Entity({ name: "events" })
@Index("idx_events_starts_at", ["startsAt", "eventKey"])
export class EventEntity {
  @PrimaryColumn(keyColumn()) eventKey!: string;
  @Column(text(300, false)) title!: string;
  @Column(longText()) description!: string | null;
  @Column(instant()) startsAt!: Date;
  @Column(instant(true)) endsAt!: Date | null;
  @Column(text(64)) timeZone!: string | null;
  @Column(text(300)) location!: string | null;
  @Column(text(500)) url!: string | null;
  @Column(text(100)) productCode!: string | null;
  @Column(text(100)) category!: string | null;
  @Column(flag()) isMembersOnly!: boolean;
  @Column(flag()) isDeleted!: boolean;
  @Column(instant(true)) sourceUpdatedAt!: Date | null;
  @Column(instant()) lastRefreshedAt!: Date;
  @Column(instant()) createdAt!: Date;
}
