import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { flag, keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";

/** One `{ type, value }` demographic (custom search / network demographics). */
@Entity({ name: "member_demographics" })
export class MemberDemographicEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(text(100)) typeKey!: string | null;
  @Column(text(200, false)) type!: string;
  @Column(text(100)) valueKey!: string | null;
  @Column(text(500, false)) value!: string;
  @Column(flag()) isFreeForm!: boolean;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_member_demographics_member" })
  member?: MemberEntity;
}
