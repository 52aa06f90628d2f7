import type { DataSource } from "typeorm";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  EventEntity,
  MemberDemographicEntity,
  MemberEntity,
  MemberPhoneEntity,
  MemberSocialLinkEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../../src/db/entities";

export const SEEDED_AT = new Date("2026-11-01T12:00:00.000Z");

export interface MemberSeed extends Partial<MemberEntity> {
  memberKey: string;
  phones?: Array<{ number: string; type: string | null }>;
  socialLinks?: Array<{ network: string; url: string }>;
  demographics?: Array<{ type: string; value: string }>;
  communities?: Array<{ communityKey: string; role?: string; beginDate?: string; endDate?: string; sinceDate?: string }>;
  groups?: Array<{ groupKey: string; role?: string; beginDate?: string; endDate?: string }>;
}

export function memberRow(seed: MemberSeed): MemberEntity {
  return Object.assign(new MemberEntity(), {
    memberId: null,
    prefix: null,
    firstName: "",
    middleName: null,
    lastName: "",
    informalName: null,
    suffix: null,
    designation: null,
    email: null,
    addressLine1: null,
    addressLine2: null,
    addressLine3: null,
    city: null,
    stateProvince: null,
    postalCode: null,
    country: null,
    websiteUrl: null,
    companyName: null,
    title: null,
    bio: null,
    profileImageUrl: null,
    memberType: "Regular",
    isActive: true,
    isOrganization: false,
    excludeFromDirectory: false,
    memberSince: null,
    membershipExpiresOn: null,
    isMember: true,
    status: "ACTIVE",
    contentHash: "",
    sourceUpdatedAt: SEEDED_AT,
    lastRefreshedAt: SEEDED_AT,
    changedAt: SEEDED_AT,
    createdAt: SEEDED_AT,
    ...withoutChildren(seed),
  });
}

function withoutChildren(seed: MemberSeed): Partial<MemberEntity> {
  const { phones, socialLinks, demographics, communities, groups, ...rest } = seed;
  void [phones, socialLinks, demographics, communities, groups];
  return rest;
}

export async function seedCommunities(
  dataSource: DataSource,
  rows: Array<Partial<CommunityEntity> & { communityKey: string; name: string }>,
) {
  await dataSource.getRepository(CommunityEntity).save(
    rows.map((row) =>
      Object.assign(new CommunityEntity(), {
        type: null,
        subType: null,
        parentKey: null,
        sourceUpdatedAt: null,
        lastRefreshedAt: SEEDED_AT,
        createdAt: SEEDED_AT,
        ...row,
      }),
    ),
  );
}

export async function seedGroups(dataSource: DataSource, rows: Array<Partial<SecurityGroupEntity> & { groupKey: string; name: string }>) {
  await dataSource.getRepository(SecurityGroupEntity).save(
    rows.map((row) =>
      Object.assign(new SecurityGroupEntity(), {
        kind: "AMS",
        amsType: null,
        grantsMemberStatus: false,
        isStaff: false,
        isAdmin: false,
        sourceUpdatedAt: null,
        lastRefreshedAt: SEEDED_AT,
        createdAt: SEEDED_AT,
        ...row,
      }),
    ),
  );
}

/** Writes members and their child rows in a few multi-row statements. */
export async function seedMembers(dataSource: DataSource, seeds: MemberSeed[]): Promise<void> {
  const manager = dataSource.manager;
  const chunk = 200;
  for (let start = 0; start < seeds.length; start += chunk) {
    const part = seeds.slice(start, start + chunk);
    await manager.insert(MemberEntity, part.map(memberRow));
    const children = <T>(pick: (seed: MemberSeed) => T[] | undefined, build: (seed: MemberSeed, item: T, position: number) => object) =>
      part.flatMap((seed) => (pick(seed) ?? []).map((item, index) => build(seed, item, index + 1)));
    const phones = children(
      (seed) => seed.phones,
      (seed, phone, position) => ({ memberKey: seed.memberKey, position, ...phone }),
    );
    const links = children(
      (seed) => seed.socialLinks,
      (seed, link, position) => ({ memberKey: seed.memberKey, position, ...link }),
    );
    const demographics = children(
      (seed) => seed.demographics,
      (seed, item, position) => ({ memberKey: seed.memberKey, position, typeKey: null, valueKey: null, isFreeForm: false, ...item }),
    );
    const communities = children(
      (seed) => seed.communities,
      (seed, item, position) => ({
        memberKey: seed.memberKey,
        position,
        role: null,
        sinceDate: null,
        beginDate: null,
        endDate: null,
        ...item,
      }),
    );
    const groups = children(
      (seed) => seed.groups,
      (seed, item, position) => ({ memberKey: seed.memberKey, position, role: null, beginDate: null, endDate: null, ...item }),
    );
    if (phones.length) await manager.insert(MemberPhoneEntity, phones);
    if (links.length) await manager.insert(MemberSocialLinkEntity, links);
    if (demographics.length) await manager.insert(MemberDemographicEntity, demographics);
    if (communities.length) await manager.insert(CommunityMembershipEntity, communities);
    if (groups.length) await manager.insert(SecurityGroupMembershipEntity, groups);
  }
}

export async function seedEvents(
  dataSource: DataSource,
  rows: Array<Partial<EventEntity> & { eventKey: string; title: string; startsAt: Date }>,
) {
  await dataSource.getRepository(EventEntity).save(
    rows.map((row) =>
      Object.assign(new EventEntity(), {
        description: null,
        endsAt: null,
        timeZone: null,
        location: null,
        url: null,
        productCode: null,
        category: null,
        isMembersOnly: false,
        isDeleted: false,
        sourceUpdatedAt: null,
        lastRefreshedAt: SEEDED_AT,
        createdAt: SEEDED_AT,
        ...row,
      }),
    ),
  );
}

/**
 * Three members (A1 with a phone, B2 chairing community C1 and in group G1, C3), for tests that
 * compare two ways of answering the same operations over the same small cache.
 */
export async function seedThreeMembers(dataSource: DataSource): Promise<void> {
  await seedCommunities(dataSource, [{ communityKey: "C1", name: "Chapter" }]);
  await seedGroups(dataSource, [{ groupKey: "G1", name: "Board" }]);
  await seedMembers(dataSource, [
    {
      memberKey: "A1",
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.org",
      phones: [{ number: "+1 555 0101", type: "WORK" }],
    },
    {
      memberKey: "B2",
      firstName: "Bob",
      lastName: "Brown",
      communities: [{ communityKey: "C1", role: "Chair" }],
      groups: [{ groupKey: "G1" }],
    },
    { memberKey: "C3", firstName: "Cy", lastName: "Clark", email: "cy@example.org" },
  ]);
}
