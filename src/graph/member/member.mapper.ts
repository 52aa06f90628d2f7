import type { MemberDemographicEntity } from "../../db/entities/member-demographic.entity";
import type { MemberEducationEntity } from "../../db/entities/member-education.entity";
import type { MemberJobEntity } from "../../db/entities/member-job.entity";
import type { MemberPhoneEntity } from "../../db/entities/member-phone.entity";
import type { MemberSocialLinkEntity } from "../../db/entities/member-social-link.entity";
import type { MemberEntity } from "../../db/entities/member.entity";
import { Address, Demographic, Education, Job, Member, Phone, SocialLink } from "./member.type";

const orNull = (text: string): string | null => (text === "" ? null : text);

type MemberColumn = keyof MemberEntity & string;

const ADDRESS_COLUMNS: MemberColumn[] = ["addressLine1", "addressLine2", "addressLine3", "city", "stateProvince", "postalCode", "country"];

/**
 * What each field of the GraphQL `Member` reads of the member row, for lists that read only the
 * columns an operation selects. Fields that read nothing of the row but its key (nested lists
 * through loaders) map to none. A field missing here (a new one) makes the list read every
 * column, so it is always correct; adding it here makes such operations read less.
 */
export const MEMBER_FIELD_COLUMNS: Readonly<Record<string, readonly MemberColumn[]>> = {
  __typename: [],
  key: ["memberKey"],
  memberId: ["memberId"],
  prefix: ["prefix"],
  firstName: ["firstName"],
  middleName: ["middleName"],
  lastName: ["lastName"],
  informalName: ["informalName"],
  suffix: ["suffix"],
  designation: ["designation"],
  displayName: ["isOrganization", "companyName", "informalName", "firstName", "lastName", "memberKey"],
  companyName: ["companyName"],
  title: ["title"],
  bio: ["bio"],
  profileImageUrl: ["profileImageUrl"],
  websiteUrl: ["websiteUrl"],
  memberType: ["memberType"],
  status: ["status"],
  isMember: ["isMember"],
  isOrganization: ["isOrganization"],
  memberSince: ["memberSince"],
  membershipExpiresOn: ["membershipExpiresOn"],
  excludeFromDirectory: ["excludeFromDirectory"],
  lastRefreshedAt: ["lastRefreshedAt"],
  sourceUpdatedAt: ["sourceUpdatedAt"],
  changedAt: ["changedAt"],
  email: ["email"],
  address: ADDRESS_COLUMNS,
  phones: [],
  socialLinks: [],
  demographics: [],
  communities: [],
  securityGroups: [],
  education: [],
  jobHistory: [],
  purchases: [],
  entitlements: [],
  recordedCompletions: [],
};

/**
 * The member columns `fields` (GraphQL field names of `Member`) read, with `always`; undefined
 * (read every column) when one of them is not in {@link MEMBER_FIELD_COLUMNS}.
 */
export function memberColumnsFor(fields: Iterable<string>, always: readonly MemberColumn[]): Set<string> | undefined {
  const columns = new Set<string>(always);
  for (const field of fields) {
    const read = Object.hasOwn(MEMBER_FIELD_COLUMNS, field) ? MEMBER_FIELD_COLUMNS[field] : undefined;
    if (!read) return undefined;
    for (const column of read) columns.add(column);
  }
  return columns;
}

/**
 * What each field of a member's child lists reads of its row, as {@link MEMBER_FIELD_COLUMNS}
 * does for the member; every list also reads `memberKey`, which its rows are grouped by.
 */
export const PHONE_FIELD_COLUMNS = { __typename: [], number: ["number"], type: ["type"] } as const;
export const SOCIAL_LINK_FIELD_COLUMNS = { __typename: [], network: ["network"], url: ["url"] } as const;
export const DEMOGRAPHIC_FIELD_COLUMNS = {
  __typename: [],
  type: ["type"],
  value: ["value"],
  typeKey: ["typeKey"],
  valueKey: ["valueKey"],
  isFreeForm: ["isFreeForm"],
} as const;
export const EDUCATION_FIELD_COLUMNS = {
  __typename: [],
  institution: ["institution"],
  degree: ["degree"],
  fieldOfStudy: ["fieldOfStudy"],
  startDate: ["startDate"],
  endDate: ["endDate"],
} as const;
export const JOB_FIELD_COLUMNS = {
  __typename: [],
  company: ["company"],
  title: ["title"],
  startDate: ["startDate"],
  endDate: ["endDate"],
  isCurrent: ["isCurrent"],
} as const;

export function displayNameOf(entity: MemberEntity): string {
  if (entity.isOrganization && entity.companyName) return entity.companyName;
  const given = entity.informalName || entity.firstName;
  const name = [given, entity.lastName].filter((part) => part).join(" ");
  return name || entity.companyName || entity.memberKey;
}

function addressOf(entity: MemberEntity): Address | null {
  const address: Address = {
    line1: entity.addressLine1,
    line2: entity.addressLine2,
    line3: entity.addressLine3,
    city: entity.city,
    stateProvince: entity.stateProvince,
    postalCode: entity.postalCode,
    country: entity.country,
  };
  return Object.values(address).some((part) => part) ? Object.assign(new Address(), address) : null;
}

export function toMember(entity: MemberEntity): Member {
  return Object.assign(new Member(), {
    key: entity.memberKey,
    memberId: entity.memberId,
    prefix: entity.prefix,
    firstName: orNull(entity.firstName),
    middleName: entity.middleName,
    lastName: orNull(entity.lastName),
    informalName: entity.informalName,
    suffix: entity.suffix,
    designation: entity.designation,
    displayName: displayNameOf(entity),
    companyName: entity.companyName,
    title: entity.title,
    bio: entity.bio,
    profileImageUrl: entity.profileImageUrl,
    websiteUrl: entity.websiteUrl,
    memberType: entity.memberType,
    status: entity.status,
    isMember: entity.isMember,
    isOrganization: entity.isOrganization,
    memberSince: entity.memberSince,
    membershipExpiresOn: entity.membershipExpiresOn,
    excludeFromDirectory: entity.excludeFromDirectory,
    lastRefreshedAt: entity.lastRefreshedAt,
    sourceUpdatedAt: entity.sourceUpdatedAt,
    changedAt: entity.changedAt,
    email: entity.email,
    address: addressOf(entity),
  });
}

export const toPhone = (entity: MemberPhoneEntity): Phone => Object.assign(new Phone(), { number: entity.number, type: entity.type });

export const toSocialLink = (entity: MemberSocialLinkEntity): SocialLink =>
  Object.assign(new SocialLink(), { network: entity.network, url: entity.url });

export const toDemographic = (entity: MemberDemographicEntity): Demographic =>
  Object.assign(new Demographic(), {
    type: entity.type,
    value: entity.value,
    typeKey: entity.typeKey,
    valueKey: entity.valueKey,
    isFreeForm: entity.isFreeForm,
  });

export const toEducation = (entity: MemberEducationEntity): Education =>
  Object.assign(new Education(), {
    institution: entity.institution,
    degree: entity.degree,
    fieldOfStudy: entity.fieldOfStudy,
    startDate: entity.startDate,
    endDate: entity.endDate,
  });

export const toJob = (entity: MemberJobEntity): Job =>
  Object.assign(new Job(), {
    company: entity.company,
    title: entity.title,
    startDate: entity.startDate,
    endDate: entity.endDate,
    isCurrent: entity.isCurrent,
  });
