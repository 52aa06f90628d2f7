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

/**
 * Reads one property of a source: an entity, or a raw row through its column reader, so the
 * GraphQL objects of hot lists are built straight from the driver's rows with the same mapping.
 */
export type ReadValue<S> = (source: S, property: string) => unknown;

export const entityValue: ReadValue<object> = (entity, property) => (entity as Record<string, unknown>)[property];

type Text = string | null;

export function displayNameOf(
  entity: Pick<MemberEntity, "isOrganization" | "companyName" | "informalName" | "firstName" | "lastName" | "memberKey">,
): string {
  if (entity.isOrganization && entity.companyName) return entity.companyName;
  const given = entity.informalName || entity.firstName;
  const name = [given, entity.lastName].filter((part) => part).join(" ");
  return name || entity.companyName || entity.memberKey;
}

function addressFrom<S>(source: S, read: ReadValue<S>): Address | null {
  const address = new Address();
  address.line1 = read(source, "addressLine1") as Text;
  address.line2 = read(source, "addressLine2") as Text;
  address.line3 = read(source, "addressLine3") as Text;
  address.city = read(source, "city") as Text;
  address.stateProvince = read(source, "stateProvince") as Text;
  address.postalCode = read(source, "postalCode") as Text;
  address.country = read(source, "country") as Text;
  return address.line1 || address.line2 || address.line3 || address.city || address.stateProvince || address.postalCode || address.country
    ? address
    : null;
}

/** The GraphQL member of a member row (an entity, or a raw row read with `read`). */
export function memberFrom<S>(source: S, read: ReadValue<S>): Member {
  const member = new Member();
  member.key = read(source, "memberKey") as string;
  member.memberId = read(source, "memberId") as Text;
  member.prefix = read(source, "prefix") as Text;
  const firstName = read(source, "firstName") as string;
  member.firstName = orNull(firstName);
  member.middleName = read(source, "middleName") as Text;
  const lastName = read(source, "lastName") as string;
  member.lastName = orNull(lastName);
  const informalName = read(source, "informalName") as Text;
  member.informalName = informalName;
  member.suffix = read(source, "suffix") as Text;
  member.designation = read(source, "designation") as Text;
  const companyName = read(source, "companyName") as Text;
  const isOrganization = read(source, "isOrganization") as boolean;
  member.displayName = displayNameOf({ isOrganization, companyName, informalName, firstName, lastName, memberKey: member.key });
  member.companyName = companyName;
  member.title = read(source, "title") as Text;
  member.bio = read(source, "bio") as Text;
  member.profileImageUrl = read(source, "profileImageUrl") as Text;
  member.websiteUrl = read(source, "websiteUrl") as Text;
  member.memberType = read(source, "memberType") as Text;
  member.status = read(source, "status") as string;
  member.isMember = read(source, "isMember") as boolean;
  member.isOrganization = isOrganization;
  member.memberSince = read(source, "memberSince") as Text;
  member.membershipExpiresOn = read(source, "membershipExpiresOn") as Text;
  member.excludeFromDirectory = read(source, "excludeFromDirectory") as boolean;
  member.lastRefreshedAt = read(source, "lastRefreshedAt") as Date;
  member.sourceUpdatedAt = read(source, "sourceUpdatedAt") as Date | null;
  member.changedAt = read(source, "changedAt") as Date;
  member.email = read(source, "email") as Text;
  member.address = addressFrom(source, read);
  return member;
}

export const toMember = (entity: MemberEntity): Member => memberFrom(entity, entityValue);

export function phoneFrom<S>(source: S, read: ReadValue<S>): Phone {
  const phone = new Phone();
  phone.number = read(source, "number") as string;
  phone.type = read(source, "type") as Text;
  return phone;
}

export const toPhone = (entity: MemberPhoneEntity): Phone => phoneFrom(entity, entityValue);

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
