import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { day, flag, keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";

/** One position in the member's job history (MemberInfo `JobHistory[]`). */
@Entity({ name: "member_job_history" })
export class MemberJobEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(text(200, false)) company!: string;
  @Column(text(200)) title!: string | null;
  @Column(day()) startDate!: string | null;
  @Column(day()) endDate!: string | null;
  @Column(flag()) isCurrent!: boolean;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_member_job_history_member" })
  member?: MemberEntity;
}
