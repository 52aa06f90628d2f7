import { Column, Entity, PrimaryColumn } from "typeorm";
import { instant, keyColumn, longText, text } from "./column-types";

/** A member whose refresh failed `maxAttempts` times: kept, visible and retryable, never dropped. */
@Entity({ name: "refresh_failures" })
export class RefreshFailureEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @Column(text(16, false)) reason!: string;
  @Column({ type: "int" }) attempts!: number;
  @Column(text(32, false)) errorCode!: string;
  @Column(longText()) lastError!: string | null;
  @Column(instant()) enqueuedAt!: Date;
  @Column(instant()) failedAt!: Date;
}
