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
import { contentHash, everyField, listHash, listText, rowText } from "./row-fingerprint";
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

export type Child<E> = Omit<E, "member" | "community" | "group">;

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
  /** Each child list's hash ({@link listHash} of its fingerprint text), taken with the content hash. */
  listHashes: ListHashes;
  /** The groups' fingerprint text, to which the derived system memberships are appended. */
  groupsText: string;
}

/**
 * Each child list's hash, by list. Hashed as soon as its text is made, so the text (a tree of
 * short joined strings, several KB a member) dies young instead of living, with the rest of
 * the batch, through the scavenges of a write: in 10,000-member loads that cut GC time by
 * 15–20 % (BENCHMARKS.md, seventh pass).
 */
export interface ListHashes {
  phones: string;
  socialLinks: string;
  demographics: string;
  education: string;
  jobHistory: string;
  communityMemberships: string;
  groupMemberships: string;
  purchases: string;
}

/** The columns each row's fingerprint covers: every one it writes (checked when compiling). */
export const ROW_FIELDS = {
  content: everyField<MemberContent>()([
    "memberKey",
    "memberId",
    "prefix",
    "firstName",
    "middleName",
    "lastName",
    "informalName",
    "suffix",
    "designation",
    "email",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "city",
    "stateProvince",
    "postalCode",
    "country",
    "websiteUrl",
    "companyName",
    "title",
    "bio",
    "profileImageUrl",
    "memberType",
    "isActive",
    "isOrganization",
    "excludeFromDirectory",
    "memberSince",
    "membershipExpiresOn",
    "sourceUpdatedAt",
  ]),
  phones: everyField<Child<MemberPhoneEntity>>()(["memberKey", "position", "number", "type"]),
  socialLinks: everyField<Child<MemberSocialLinkEntity>>()(["memberKey", "position", "network", "url"]),
  demographics: everyField<Child<MemberDemographicEntity>>()([
    "memberKey",
    "position",
    "typeKey",
    "type",
    "valueKey",
    "value",
    "isFreeForm",
  ]),
  education: everyField<Child<MemberEducationEntity>>()([
    "memberKey",
    "position",
    "institution",
    "degree",
    "fieldOfStudy",
    "startDate",
    "endDate",
  ]),
  jobHistory: everyField<Child<MemberJobEntity>>()(["memberKey", "position", "company", "title", "startDate", "endDate", "isCurrent"]),
  communityMemberships: everyField<Child<CommunityMembershipEntity>>()([
    "memberKey",
    "position",
    "communityKey",
    "role",
    "sinceDate",
    "beginDate",
    "endDate",
    "grantedBy",
  ]),
  groupMemberships: everyField<Child<SecurityGroupMembershipEntity>>()([
    "memberKey",
    "position",
    "groupKey",
    "role",
    "beginDate",
    "endDate",
    "grantedBy",
  ]),
  purchases: everyField<Child<MemberPurchaseEntity>>()([
    "memberKey",
    "position",
    "productCode",
    "productName",
    "orderDate",
    "status",
    "quantity",
    "termBegin",
    "termEnd",
  ]),
  communities: everyField<CommunityRow>()(["communityKey", "name", "type", "subType", "parentKey", "fromRule"]),
  groups: everyField<GroupRow>()(["groupKey", "name", "amsType", "grantsMemberStatus", "isStaff", "isAdmin", "fromRule"]),
} as const;

/**
 * Text before the content's fingerprint, naming its format: a hash stored by a version that
 * hashed JSON never equals one of these, so that member is rewritten once, in full.
 */
const CONTENT_FORMAT = "rows/2|";

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
  const rows: UnhashedRows = {
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
  return { ...rows, ...hashRows(rows, rules.fingerprint) };
}

/** The rows a member refresh writes, before their hashes. */
export type UnhashedRows = Omit<MemberRows, "hash" | "listHashes" | "groupsText">;

/** The content hash of `rows` under the rules with `rulesFingerprint`, and each list's hash. */
export function hashRows(rows: UnhashedRows, rulesFingerprint: string): Pick<MemberRows, "hash" | "listHashes" | "groupsText"> {
  const texts: Record<keyof ListHashes, string> = {
    phones: listText(rows.phones, ROW_FIELDS.phones),
    socialLinks: listText(rows.socialLinks, ROW_FIELDS.socialLinks),
    demographics: listText(rows.demographics, ROW_FIELDS.demographics),
    education: listText(rows.education, ROW_FIELDS.education),
    jobHistory: listText(rows.jobHistory, ROW_FIELDS.jobHistory),
    communityMemberships: listText(rows.communityMemberships, ROW_FIELDS.communityMemberships),
    groupMemberships: listText(rows.groupMemberships, ROW_FIELDS.groupMemberships),
    purchases: listText(rows.purchases, ROW_FIELDS.purchases),
  };
  const hash = contentHash(`${CONTENT_FORMAT}${rulesFingerprint}|`, [
    rowText(rows.content, ROW_FIELDS.content),
    texts.phones,
    texts.socialLinks,
    texts.demographics,
    texts.education,
    texts.jobHistory,
    texts.communityMemberships,
    texts.groupMemberships,
    texts.purchases,
    listText(rows.communities, ROW_FIELDS.communities),
    listText(rows.groups, ROW_FIELDS.groups),
  ]);
  const listHashes: ListHashes = {
    phones: listHash(texts.phones),
    socialLinks: listHash(texts.socialLinks),
    demographics: listHash(texts.demographics),
    education: listHash(texts.education),
    jobHistory: listHash(texts.jobHistory),
    communityMemberships: listHash(texts.communityMemberships),
    groupMemberships: listHash(texts.groupMemberships),
    purchases: listHash(texts.purchases),
  };
  return { hash, listHashes, groupsText: texts.groupMemberships };
}
