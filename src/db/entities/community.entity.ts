import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { instant, keyColumn, text } from "./column-types";

/** A committee, chapter, special-interest group, … first seen on a member's record. */
@Entity({ name: "communities" })
@Index("idx_communities_type", ["type", "subType"])
@Index("idx_communities_parent", ["parentKey"])
@Index("idx_communities_name", ["name"])
export class CommunityEntity {
  @PrimaryColumn(keyColumn()) communityKey!: string;
  @Column(text(200, false)) name!: string;
  @Column(text(100)) type!: string | null;
  @Column(text(100)) subType!: string | null;
  /** No foreign key: a child may arrive before its parent does. */
  @Column(text(100)) parentKey!: string | null;
  @Column(instant(true)) sourceUpdatedAt!: Date | null;
  @Column(instant()) lastRefreshedAt!: Date;
  @Column(instant()) createdAt!: Date;
}
