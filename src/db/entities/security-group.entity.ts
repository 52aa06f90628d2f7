import { Column, Entity, PrimaryColumn } from "typeorm";
import { flag, instant, keyColumn, text } from "./column-types";

export const SECURITY_GROUP_KINDS = ["SYSTEM", "AMS"] as const;
export type SecurityGroupKindValue = (typeof SECURITY_GROUP_KINDS)[number];

/** A group that decides access: the five system groups, or one the AMS (or a member type) defines. */
@Entity({ name: "security_groups" })
export class SecurityGroupEntity {
  @PrimaryColumn(keyColumn()) groupKey!: string;
  @Column(text(200, false)) name!: string;
  @Column(text(16, false)) kind!: SecurityGroupKindValue;
  /** The AMS's own group type, e.g. "Security" or "MemberType". */
  @Column(text(100)) amsType!: string | null;
  @Column(flag()) grantsMemberStatus!: boolean;
  @Column(flag()) isStaff!: boolean;
  @Column(flag()) isAdmin!: boolean;
  @Column(instant(true)) sourceUpdatedAt!: Date | null;
  @Column(instant()) lastRefreshedAt!: Date;
  @Column(instant()) createdAt!: Date;
}
