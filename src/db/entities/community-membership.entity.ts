import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { day, keyColumn, position, text } from "./column-types";
import { CommunityEntity } from "./community.entity";
import { MemberEntity } from "./member.entity";

/**
 * A member's place in a community, in the AMS's list order. Keyed by position, not by
 * community, because one member can hold several roles or terms in the same community.
 */
@Entity({ name: "community_memberships" })
@Index("idx_community_memberships_community", ["communityKey", "memberKey"])
export class CommunityMembershipEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(keyColumn()) communityKey!: string;
  @Column(text(100)) role!: string | null;
  @Column(day()) sinceDate!: string | null;
  @Column(day()) beginDate!: string | null;
  @Column(day()) endDate!: string | null;
  /** The product code whose purchase grants this membership (a purchase rule); null when the AMS sent it. */
  @Column(text(100)) grantedBy!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_community_memberships_member" })
  member?: MemberEntity;

  @ManyToOne(() => CommunityEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "community_key", foreignKeyConstraintName: "fk_community_memberships_community" })
  community?: CommunityEntity;
}
