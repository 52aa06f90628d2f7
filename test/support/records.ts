import type { MemberRecord } from "../../src/sources/member-record";

/** A canonical member record with plain defaults; tests override what they care about. */
export function memberRecord(memberKey: string, overrides: Partial<MemberRecord> = {}): MemberRecord {
  return {
    memberKey,
    memberId: null,
    isActive: true,
    isOrganization: false,
    memberType: "Regular",
    prefix: null,
    firstName: `First ${memberKey}`,
    middleName: null,
    lastName: `Last ${memberKey}`,
    informalName: null,
    suffix: null,
    designation: null,
    email: `${memberKey.toLowerCase()}@example.org`,
    phones: [],
    address: { line1: null, line2: null, line3: null, city: null, stateProvince: null, postalCode: null, country: null },
    websiteUrl: null,
    socialLinks: [],
    companyName: null,
    title: null,
    bio: null,
    profileImageUrl: null,
    memberSince: "2020-01-01",
    membershipExpiresOn: "2027-12-31",
    excludeFromDirectory: false,
    demographics: [],
    communities: [],
    securityGroups: [],
    sourceUpdatedAt: new Date("2026-11-01T00:00:00Z"),
    ...overrides,
  };
}

export function committee(communityKey: string, role: string, overrides: Partial<MemberRecord["communities"][number]> = {}) {
  return {
    communityKey,
    name: `Committee ${communityKey}`,
    type: "Committee",
    subType: null,
    parentKey: null,
    role,
    sinceDate: null,
    beginDate: null,
    endDate: null,
    ...overrides,
  };
}
