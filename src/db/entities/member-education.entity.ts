import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { day, keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";

/** One school or degree from the member's profile (MemberInfo `Education[]`). */
@Entity({ name: "member_education" })
export class MemberEducationEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(text(200, false)) institution!: string;
  @Column(text(200)) degree!: string | null;
  @Column(text(200)) fieldOfStudy!: string | null;
  @Column(day()) startDate!: string | null;
  @Column(day()) endDate!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_member_education_member" })
  member?: MemberEntity;
}
