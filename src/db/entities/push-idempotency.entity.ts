import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { instant, longText, text } from "./column-types";

/**
 * One push answered under an `Idempotency-Key`: the same key again (from the same push key)
 * gets this answer back and changes nothing, until the row expires.
 */
@Entity({ name: "push_idempotency" })
@Index("idx_push_idempotency_expires", ["expiresAt"])
export class PushIdempotencyEntity {
  /** SHA-256 (hex) of the push key and the Idempotency-Key: neither is stored as sent. */
  @PrimaryColumn({ type: "varchar", length: 64 }) scopeKey!: string;
  /** SHA-256 (hex) of the request body, so a different body under the same key is refused. */
  @Column(text(64, false)) requestHash!: string;
  /** The HTTP status answered; null while the first request is still being processed. */
  @Column({ type: "int", nullable: true }) status!: number | null;
  @Column(longText()) answer!: string | null;
  @Column(instant()) createdAt!: Date;
  @Column(instant()) expiresAt!: Date;
}
