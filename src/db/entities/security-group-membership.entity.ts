import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { day, keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";
import { SecurityGroupEntity } from "./security-group.entity";

/** A member's membership of a security group, with its role and term. */
@Entity({ name: "security_group_memberships" })
@Index("idx_security_group_memberships_group", ["groupKey", "memberKey"])
export class SecurityGroupMembershipEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(keyColumn()) groupKey!: string;
  @Column(text(100)) role!: string | null;
  @Column(day()) beginDate!: string | null;
  @Column(day()) endDate!: string | null;
  /** The product code whose purchase grants this membership (a purchase rule); null when the AMS sent it. */
  @Column(text(100)) grantedBy!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_security_group_memberships_member" })
  member?: MemberEntity;

  @ManyToOne(() => SecurityGroupEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "group_key", foreignKeyConstraintName: "fk_security_group_memberships_group" })
  group?: SecurityGroupEntity;
}
