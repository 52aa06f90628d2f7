import { type DataSource, type EntityManager, In } from "typeorm";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  MemberDemographicEntity,
  MemberEducationEntity,
  MemberEntity,
  MemberJobEntity,
  MemberPhoneEntity,
  MemberPurchaseEntity,
  MemberSocialLinkEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../db/entities";
import type { MemberRecord, PhoneType, SocialNetwork } from "../sources/member-record";
import { MEMBER_TYPE_GROUP_TYPE } from "./sync-rules";

type ByMember<T> = Map<string, T[]>;

function byMember<T extends { memberKey: string; position: number }>(rows: T[]): ByMember<T> {
  const map: ByMember<T> = new Map();
  for (const row of [...rows].sort((a, b) => a.position - b.position)) map.set(row.memberKey, [...(map.get(row.memberKey) ?? []), row]);
  return map;
}

/**
 * The canonical records the cache holds for `keys` (those it holds): what a merge starts from.
 * Derived groups (system and member-type groups) and memberships granted by purchases are left
 * out, as a source never sends them. Given an entity manager, it reads inside that transaction.
 */
export async function readCachedRecords(
  dataSource: DataSource | EntityManager,
  keys: readonly string[],
): Promise<Map<string, MemberRecord>> {
  const records = new Map<string, MemberRecord>();
  if (keys.length === 0) return records;
  const where = { memberKey: In([...keys]) };
  const [members, phones, links, demographics, allCommunityRows, allGroupRows, education, jobs, purchases] = await Promise.all([
    dataSource.getRepository(MemberEntity).findBy(where),
    dataSource.getRepository(MemberPhoneEntity).findBy(where),
    dataSource.getRepository(MemberSocialLinkEntity).findBy(where),
    dataSource.getRepository(MemberDemographicEntity).findBy(where),
    dataSource.getRepository(CommunityMembershipEntity).findBy(where),
    dataSource.getRepository(SecurityGroupMembershipEntity).findBy(where),
    dataSource.getRepository(MemberEducationEntity).findBy(where),
    dataSource.getRepository(MemberJobEntity).findBy(where),
    dataSource.getRepository(MemberPurchaseEntity).findBy(where),
  ]);
  const communityRows = allCommunityRows.filter((row) => row.grantedBy === null);
  const groupRows = allGroupRows.filter((row) => row.grantedBy === null);
  const purchasesOf = byMember(purchases);
  const communities = new Map(
    (
      await findByKeys(
        dataSource,
        CommunityEntity,
        "communityKey",
        communityRows.map((row) => row.communityKey),
      )
    ).map((c) => [c.communityKey, c]),
  );
  const groups = new Map(
    (
      await findByKeys(
        dataSource,
        SecurityGroupEntity,
        "groupKey",
        groupRows.map((row) => row.groupKey),
      )
    ).map((g) => [g.groupKey, g]),
  );
  const [educationOf, jobsOf] = [byMember(education), byMember(jobs)];
  const [phonesOf, linksOf, demographicsOf, communitiesOf, groupsOf] = [
    byMember(phones),
    byMember(links),
    byMember(demographics),
    byMember(communityRows),
    byMember(groupRows),
  ];
  for (const m of members) {
    records.set(m.memberKey, {
      memberKey: m.memberKey,
      memberId: m.memberId,
      isActive: m.isActive,
      isOrganization: m.isOrganization,
      memberType: m.memberType,
      prefix: m.prefix,
      firstName: m.firstName === "" ? null : m.firstName,
      middleName: m.middleName,
      lastName: m.lastName === "" ? null : m.lastName,
      informalName: m.informalName,
      suffix: m.suffix,
      designation: m.designation,
      email: m.email,
      phones: (phonesOf.get(m.memberKey) ?? []).map((p) => ({ number: p.number, type: p.type as PhoneType | null })),
      address: {
        line1: m.addressLine1,
        line2: m.addressLine2,
        line3: m.addressLine3,
        city: m.city,
        stateProvince: m.stateProvince,
        postalCode: m.postalCode,
        country: m.country,
      },
      websiteUrl: m.websiteUrl,
      socialLinks: (linksOf.get(m.memberKey) ?? []).map((l) => ({ network: l.network as SocialNetwork, url: l.url })),
      companyName: m.companyName,
      title: m.title,
      bio: m.bio,
      profileImageUrl: m.profileImageUrl,
      memberSince: m.memberSince,
      membershipExpiresOn: m.membershipExpiresOn,
      excludeFromDirectory: m.excludeFromDirectory,
      demographics: (demographicsOf.get(m.memberKey) ?? []).map(({ typeKey, type, valueKey, value, isFreeForm }) => ({
        typeKey,
        type,
        valueKey,
        value,
        isFreeForm,
      })),
      communities: (communitiesOf.get(m.memberKey) ?? []).flatMap((row) => {
        const community = communities.get(row.communityKey);
        if (!community) return [];
        return [
          {
            communityKey: row.communityKey,
            name: community.name,
            type: community.type,
            subType: community.subType,
            parentKey: community.parentKey,
            role: row.role,
            sinceDate: row.sinceDate,
            beginDate: row.beginDate,
            endDate: row.endDate,
          },
        ];
      }),
      securityGroups: (groupsOf.get(m.memberKey) ?? []).flatMap((row) => {
        const group = groups.get(row.groupKey);
        if (group?.kind !== "AMS" || group.amsType === MEMBER_TYPE_GROUP_TYPE) return [];
        return [
          { groupKey: row.groupKey, name: group.name, type: group.amsType, role: row.role, beginDate: row.beginDate, endDate: row.endDate },
        ];
      }),
      education: (educationOf.get(m.memberKey) ?? []).map(({ institution, degree, fieldOfStudy, startDate, endDate }) => ({
        institution,
        degree,
        fieldOfStudy,
        startDate,
        endDate,
      })),
      jobHistory: (jobsOf.get(m.memberKey) ?? []).map(({ company, title, startDate, endDate, isCurrent }) => ({
        company,
        title,
        startDate,
        endDate,
        isCurrent,
      })),
      purchases: (purchasesOf.get(m.memberKey) ?? []).map(
        ({ productCode, productName, orderDate, status, quantity, termBegin, termEnd }) => ({
          productCode,
          productName,
          orderDate,
          status,
          quantity,
          termBegin,
          termEnd,
        }),
      ),
      sourceUpdatedAt: m.sourceUpdatedAt,
    });
  }
  return records;
}

async function findByKeys<E extends object>(
  dataSource: DataSource | EntityManager,
  entity: new () => E,
  column: keyof E & string,
  keys: string[],
): Promise<E[]> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return [];
  return dataSource.getRepository(entity).findBy({ [column]: In(unique) } as never);
}
