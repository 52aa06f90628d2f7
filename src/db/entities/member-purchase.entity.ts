import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { day, keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";

/** One product order of a member (eCommerce), in the AMS's list order. */
@Entity({ name: "member_purchases" })
@Index("idx_member_purchases_product", ["productCode", "memberKey"])
export class MemberPurchaseEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(text(100, false)) productCode!: string;
  @Column(text(200)) productName!: string | null;
  @Column(day()) orderDate!: string | null;
  @Column(text(100)) status!: string | null;
  @Column({ type: "int", default: 1 }) quantity!: number;
  @Column(day()) termBegin!: string | null;
  @Column(day()) termEnd!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_member_purchases_member" })
  member?: MemberEntity;
}
