import { hash as digest } from "node:crypto";
import type { CommunityMembershipEntity } from "../db/entities/community-membership.entity";
import type { MemberDemographicEntity } from "../db/entities/member-demographic.entity";
import type { MemberEducationEntity } from "../db/entities/member-education.entity";
import type { MemberJobEntity } from "../db/entities/member-job.entity";
import type { MemberPhoneEntity } from "../db/entities/member-phone.entity";
import type { MemberSocialLinkEntity } from "../db/entities/member-social-link.entity";
import type { MemberEntity } from "../db/entities/member.entity";
import type { MemberPurchaseEntity } from "../db/entities/member-purchase.entity";
import type { SecurityGroupMembershipEntity } from "../db/entities/security-group-membership.entity";
import type { MemberRecord } from "../sources/member-record";
import { purchaseGrants } from "./purchase-grants";
import { type GroupFlags, MEMBER_TYPE_GROUP_TYPE, memberTypeGroupKey, type SyncRuleBook } from "./sync-rules";

/** The member's own columns that come from the AMS (not derived, not bookkeeping). */
export type MemberContent = Omit<
  MemberEntity,
  "isMember" | "status" | "nextTransitionOn" | "contentHash" | "listHashes" | "lastRefreshedAt" | "changedAt" | "createdAt"
>;

export interface CommunityRow {
  communityKey: string;
  name: string;
  type: string | null;
  subType: string | null;
  parentKey: string | null;
  /** Named by a purchase rule, not the AMS: created when missing, never renamed. */
  fromRule?: true;
}

export interface GroupRow extends GroupFlags {
  groupKey: string;
  name: string;
  amsType: string | null;
  /** Named by a purchase rule, not the AMS: created when missing, never renamed. */
  fromRule?: true;
}

type Child<E> = Omit<E, "member" | "community" | "group">;

/** Everything one member refresh writes, before derivation. */
export interface MemberRows {
  content: MemberContent;
  phones: Child<MemberPhoneEntity>[];
  socialLinks: Child<MemberSocialLinkEntity>[];
  demographics: Child<MemberDemographicEntity>[];
  education: Child<MemberEducationEntity>[];
  jobHistory: Child<MemberJobEntity>[];
  communityMemberships: Child<CommunityMembershipEntity>[];
  /** AMS groups, the member-type group and purchase grants; system groups are derived later. */
  groupMemberships: Child<SecurityGroupMembershipEntity>[];
  purchases: Child<MemberPurchaseEntity>[];
  communities: CommunityRow[];
  groups: GroupRow[];
  /** Of the content and the rules that shaped it: equal hash, nothing to rewrite. */
  hash: string;
  /** Each child list as JSON, made once for the content hash and reused for the list hashes. */
  json: ListJson;
}

/** The JSON of each child list, as `JSON.stringify` writes it. */
export interface ListJson {
  phones: string;
  socialLinks: string;
  demographics: string;
  education: string;
  jobHistory: string;
  communityMemberships: string;
  groupMemberships: string;
  purchases: string;
}

function contentOf(record: MemberRecord): MemberContent {
  return {
    memberKey: record.memberKey,
    memberId: record.memberId,
    prefix: record.prefix,
    firstName: record.firstName ?? "",
    middleName: record.middleName,
    lastName: record.lastName ?? "",
    informalName: record.informalName,
    suffix: record.suffix,
    designation: record.designation,
    email: record.email,
    addressLine1: record.address.line1,
    addressLine2: record.address.line2,
    addressLine3: record.address.line3,
    city: record.address.city,
    stateProvince: record.address.stateProvince,
    postalCode: record.address.postalCode,
    country: record.address.country,
    websiteUrl: record.websiteUrl,
    companyName: record.companyName,
    title: record.title,
    bio: record.bio,
    profileImageUrl: record.profileImageUrl,
    memberType: record.memberType,
    isActive: record.isActive,
    isOrganization: record.isOrganization,
    excludeFromDirectory: record.excludeFromDirectory,
    memberSince: record.memberSince,
    membershipExpiresOn: record.membershipExpiresOn,
    sourceUpdatedAt: record.sourceUpdatedAt,
  };
}

function groupsOf(record: MemberRecord, rules: SyncRuleBook) {
  const memberships: Child<SecurityGroupMembershipEntity>[] = [];
  const groups = new Map<string, GroupRow>();
  record.securityGroups.forEach((group) => {
    memberships.push({
      memberKey: record.memberKey,
      position: memberships.length + 1,
      groupKey: group.groupKey,
      role: group.role,
      beginDate: group.beginDate,
      endDate: group.endDate,
      grantedBy: null,
    });
    groups.set(group.groupKey, {
      groupKey: group.groupKey,
      name: group.name,
      amsType: group.type,
      ...rules.flagsFor({ key: group.groupKey, name: group.name }),
    });
  });
  if (record.memberType) {
    const groupKey = memberTypeGroupKey(record.memberType);
    memberships.push({
      memberKey: record.memberKey,
      position: memberships.length + 1,
      groupKey,
      role: null,
      beginDate: record.memberSince,
      endDate: record.membershipExpiresOn,
      grantedBy: null,
    });
    groups.set(groupKey, {
      groupKey,
      name: record.memberType,
      amsType: MEMBER_TYPE_GROUP_TYPE,
      ...rules.flagsFor({ key: groupKey, name: record.memberType, memberType: record.memberType }),
    });
  }
  return { memberships, groups };
}

/**
 * Memberships the purchase rules grant, after the AMS's own: marked with the product code, so
 * the next refresh recomputes them from the purchases alone and an AMS-sent membership of the
 * same community or group stays its own row. A granted community or group the AMS never sent
 * is created under the rule's name; one the AMS sent keeps the AMS's name.
 */
function addPurchaseGrants(
  record: MemberRecord,
  rules: SyncRuleBook,
  target: {
    communityMemberships: Child<CommunityMembershipEntity>[];
    groupMemberships: Child<SecurityGroupMembershipEntity>[];
    communities: Map<string, CommunityRow>;
    groups: Map<string, GroupRow>;
  },
): void {
  for (const granted of purchaseGrants(record.purchases ?? [], rules.purchaseRules)) {
    const { grant } = granted;
    const term = { beginDate: granted.beginDate, endDate: granted.endDate, role: null, grantedBy: granted.productCode };
    if (grant.kind === "COMMUNITY") {
      target.communityMemberships.push({
        memberKey: record.memberKey,
        position: target.communityMemberships.length + 1,
        communityKey: grant.key,
        sinceDate: null,
        ...term,
      });
      if (!target.communities.has(grant.key)) {
        target.communities.set(grant.key, {
          communityKey: grant.key,
          name: grant.name,
          type: grant.type,
          subType: null,
          parentKey: null,
          fromRule: true,
        });
      }
    } else {
      target.groupMemberships.push({
        memberKey: record.memberKey,
        position: target.groupMemberships.length + 1,
        groupKey: grant.key,
        ...term,
      });
      if (!target.groups.has(grant.key)) {
        target.groups.set(grant.key, {
          groupKey: grant.key,
          name: grant.name,
          amsType: null,
          fromRule: true,
          ...rules.flagsFor({ key: grant.key, name: grant.name }),
        });
      }
    }
  }
}

/** Turns a canonical record into rows, keeping only the communities the allow-list keeps. */
export function toMemberRows(record: MemberRecord, rules: SyncRuleBook): MemberRows {
  const key = record.memberKey;
  const kept = record.communities.filter((membership) => rules.communityKept(membership.type, membership.subType));
  const communities = new Map<string, CommunityRow>();
  for (const membership of kept) {
    communities.set(membership.communityKey, {
      communityKey: membership.communityKey,
      name: membership.name,
      type: membership.type,
      subType: membership.subType,
      parentKey: membership.parentKey,
    });
  }
  const { memberships: groupMemberships, groups } = groupsOf(record, rules);
  const communityMemberships: Child<CommunityMembershipEntity>[] = kept.map((membership, index) => ({
    memberKey: key,
    position: index + 1,
    communityKey: membership.communityKey,
    role: membership.role,
    sinceDate: membership.sinceDate,
    beginDate: membership.beginDate,
    endDate: membership.endDate,
    grantedBy: null,
  }));
  addPurchaseGrants(record, rules, { communityMemberships, groupMemberships, communities, groups });
  const rows: Omit<MemberRows, "hash" | "json"> = {
    content: contentOf(record),
    phones: record.phones.slice(0, 4).map((phone, index) => ({ memberKey: key, position: index + 1, ...phone })),
    socialLinks: record.socialLinks.map((link, index) => ({ memberKey: key, position: index + 1, ...link })),
    demographics: record.demographics.map((item, index) => ({ memberKey: key, position: index + 1, ...item })),
    education: (record.education ?? []).map((item, index) => ({ memberKey: key, position: index + 1, ...item })),
    jobHistory: (record.jobHistory ?? []).map((item, index) => ({ memberKey: key, position: index + 1, ...item })),
    communityMemberships,
    groupMemberships,
    purchases: (record.purchases ?? []).map((purchase, index) => ({ memberKey: key, position: index + 1, ...purchase })),
    communities: [...communities.values()],
    groups: [...groups.values()],
  };
  const json: ListJson = {
    phones: JSON.stringify(rows.phones),
    socialLinks: JSON.stringify(rows.socialLinks),
    demographics: JSON.stringify(rows.demographics),
    education: JSON.stringify(rows.education),
    jobHistory: JSON.stringify(rows.jobHistory),
    communityMemberships: JSON.stringify(rows.communityMemberships),
    groupMemberships: JSON.stringify(rows.groupMemberships),
    purchases: JSON.stringify(rows.purchases),
  };
  // Exactly `JSON.stringify(rows)`, so hashes stored before stay valid, but each list is
  // serialized once: the list hashes (child-lists) reuse the same text.
  const whole =
    `{"content":${JSON.stringify(rows.content)},"phones":${json.phones},"socialLinks":${json.socialLinks},` +
    `"demographics":${json.demographics},"education":${json.education},"jobHistory":${json.jobHistory},` +
    `"communityMemberships":${json.communityMemberships},"groupMemberships":${json.groupMemberships},` +
    `"purchases":${json.purchases},"communities":${JSON.stringify(rows.communities)},"groups":${JSON.stringify(rows.groups)}}`;
  // The same digest as updating a Hash with the fingerprint, then the rows; one-shot is cheaper.
  const hash = digest("sha256", rules.fingerprint + whole, "hex");
  return { ...rows, hash, json };
}
