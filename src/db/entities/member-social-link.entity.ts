import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { keyColumn, position, text } from "./column-types";
import { MemberEntity } from "./member.entity";

/** A member's profile links (LinkedIn, Facebook, X/Twitter, YouTube, blogs, …). */
@Entity({ name: "member_social_links" })
export class MemberSocialLinkEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @PrimaryColumn(position()) position!: number;
  @Column(text(32, false)) network!: string;
  @Column(text(500, false)) url!: string;

  @ManyToOne(() => MemberEntity, { onDelete: "CASCADE", onUpdate: "NO ACTION" })
  @JoinColumn({ name: "member_key", foreignKeyConstraintName: "fk_member_social_links_member" })
  member?: MemberEntity;
}
