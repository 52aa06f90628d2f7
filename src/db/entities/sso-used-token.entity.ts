import { Entity, Index, PrimaryColumn, Column } from "typeorm";
import { instant } from "./column-types";

/** Single-use sign-on token ids already presented, kept until the token could no longer be valid. */
@Entity({ name: "sso_used_tokens" })
@Index("idx_sso_used_tokens_expires", ["expiresAt"])
export class SsoUsedTokenEntity {
  @PrimaryColumn({ type: "varchar", length: 160 }) tokenId!: string;
  @Column(instant()) expiresAt!: Date;
}
