import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { day, flag, instant, keyColumn, longText, text } from "./column-types";

export const MEMBER_STATUSES = ["ACTIVE", "EXPIRED", "DISABLED"] as const;
export type MemberStatusValue = (typeof MEMBER_STATUSES)[number];

/** One cached member: the canonical record's scalar fields plus what sync derives from them. */
@Entity({ name: "members" })
@Index("idx_members_sort", ["lastName", "firstName", "memberKey"])
@Index("idx_members_member_type", ["memberType"])
@Index("idx_members_status", ["status"])
@Index("idx_members_changed_at", ["changedAt"])
@Index("idx_members_email", ["email"])
@Index("idx_members_next_transition", ["nextTransitionOn"])
export class MemberEntity {
  @PrimaryColumn(keyColumn()) memberKey!: string;
  @Column(text(64)) memberId!: string | null;

  @Column(text(32)) prefix!: string | null;
  /** Empty rather than null so the stable sort and its keyset cursor never meet NULL. */
  @Column({ ...text(100, false), default: "" }) firstName!: string;
  @Column(text(100)) middleName!: string | null;
  @Column({ ...text(100, false), default: "" }) lastName!: string;
  @Column(text(100)) informalName!: string | null;
  @Column(text(32)) suffix!: string | null;
  @Column(text(100)) designation!: string | null;

  @Column(text(320)) email!: string | null;
  @Column(text(200)) addressLine1!: string | null;
  @Column(text(200)) addressLine2!: string | null;
  @Column(text(200)) addressLine3!: string | null;
  @Column(text(100)) city!: string | null;
  @Column(text(100)) stateProvince!: string | null;
  @Column(text(32)) postalCode!: string | null;
  @Column(text(100)) country!: string | null;
  @Column(text(500)) websiteUrl!: string | null;

  @Column(text(200)) companyName!: string | null;
  @Column(text(200)) title!: string | null;
  @Column(longText()) bio!: string | null;
  @Column(text(500)) profileImageUrl!: string | null;

  @Column(text(100)) memberType!: string | null;
  @Column(flag(true)) isActive!: boolean;
  @Column(flag()) isOrganization!: boolean;
  @Column(flag()) excludeFromDirectory!: boolean;
  @Column(day()) memberSince!: string | null;
  @Column(day()) membershipExpiresOn!: string | null;

  /** Derived by sync from membership dates and member-status groups. */
  @Column(flag()) isMember!: boolean;
  @Column({ ...text(16, false), default: "ACTIVE" }) status!: MemberStatusValue;
  /** The next day on which a term begins or ends and `isMember`/`status` may change; the expiry sweep reads it. */
  @Column(day()) nextTransitionOn!: string | null;

  /** Hash of the canonical record as last written; equal hash = nothing to rewrite. */
  @Column({ ...text(64, false), default: "" }) contentHash!: string;
  /** A short hash per child list (phones, links, …), so a refresh rewrites only the lists that changed. */
  @Column({ ...text(400, false), default: "" }) listHashes!: string;
  @Column(instant(true)) sourceUpdatedAt!: Date | null;
  @Column(instant()) lastRefreshedAt!: Date;
  /** When the cached content last changed (not merely re-read); drives `changedSince`. */
  @Column(instant()) changedAt!: Date;
  @Column(instant()) createdAt!: Date;
}
