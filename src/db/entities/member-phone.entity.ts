import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";

/** Up to four phones a member, in the AMS's order (Phone1…Phone4). */
@Entity({ name: "member_phones" })
export class MemberPhoneEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(text(64, false)) number!: string;
  @Column(text(32)) type!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_member_phones_member" })
  member?: MemberEntity;
}
