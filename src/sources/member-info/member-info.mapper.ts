import type { z } from "zod";
import type {
  CommunityMembershipRecord,
  DemographicRecord,
  EducationRecord,
  JobRecord,
  MemberRecord,
  PhoneRecord,
  PhoneType,
  SecurityGroupMembershipRecord,
  SocialLinkRecord,
  SocialNetwork,
} from "../member-record";
import { parseOrThrow } from "./contract-violation";
import { educationSchema, jobSchema, memberInfoSchema, type ParsedMemberDetails, type ParsedMemberInfo } from "./member-info.schema";
import type { MemberDetailsInfo, MemberInfo } from "./member-info.types";
import { formatWireDay } from "./wire-dates";

const PHONE_SLOTS = [1, 2, 3, 4] as const;

/** Phone type words AMSs send, compared lower-case with spaces, dashes and underscores removed. */
const PHONE_TYPE_BY_WORD: Readonly<Record<string, PhoneType>> = {
  office: "WORK",
  work: "WORK",
  business: "WORK",
  mobile: "MOBILE",
  cell: "MOBILE",
  cellular: "MOBILE",
  home: "HOME",
  fax: "FAX",
  tollfree: "TOLL_FREE",
};

/** What amsgate sends back; each maps onto itself when read again. */
const PHONE_TYPE_LABELS: Readonly<Record<PhoneType, string>> = {
  WORK: "Work",
  HOME: "Home",
  MOBILE: "Mobile",
  FAX: "Fax",
  TOLL_FREE: "TollFree",
  OTHER: "Other",
};

/** Social link fields in the order a record lists them. */
const SOCIAL_FIELDS: ReadonlyArray<readonly [SocialNetwork, keyof ParsedMemberDetails & keyof MemberDetailsInfo]> = [
  ["LINKEDIN", "LinkedInURL"],
  ["FACEBOOK", "FacebookURL"],
  ["TWITTER", "TwitterURL"],
  ["YOUTUBE", "YouTubeURL"],
  ["BLOG", "BloggerURL"],
  ["WORDPRESS", "WordPressURL"],
  ["OTHER_BLOG", "OtherBlogURL"],
];

const MEMBER_TYPE_GROUP = "membertype";

/** Maps an AMS phone type onto {@link PhoneType}; an unknown word is OTHER, a blank one null. */
export function toPhoneType(word: string | null): PhoneType | null {
  if (word === null) return null;
  return PHONE_TYPE_BY_WORD[word.toLowerCase().replace(/[\s_-]/g, "")] ?? "OTHER";
}

/** The member key of a payload, read leniently before validation so any error can name it. */
export function peekMemberKey(raw: unknown): string | null {
  const details = isObject(raw) ? raw.MemberDetails : undefined;
  const key = isObject(details) ? details.LegacyContactKey : undefined;
  if (typeof key === "number" && Number.isFinite(key)) return String(key);
  return typeof key === "string" && key.trim() !== "" ? key.trim() : null;
}

/**
 * Reads one MemberInfo payload into the canonical record. Throws `SourceError(CONTRACT_VIOLATION)`
 * naming each bad field, with `memberKey` set whenever the payload carries a key.
 */
export function fromMemberInfo(raw: unknown): MemberRecord {
  const memberKey = peekMemberKey(raw) ?? undefined;
  const subject = memberKey === undefined ? "MemberInfo" : `MemberInfo for member "${memberKey}"`;
  const info = parseOrThrow(memberInfoSchema, raw, subject, memberKey);
  return fromParsedMemberInfo(info);
}

/** The canonical record of a payload already checked by `memberInfoSchema` (a caller that reports its own faults). */
export function fromParsedMemberInfo(info: ParsedMemberInfo): MemberRecord {
  const d = info.MemberDetails;
  return {
    memberKey: d.LegacyContactKey,
    memberId: d.MemberId,
    isActive: d.IsActive,
    isOrganization: d.IsOrganization,
    memberType: d.MemberType ?? memberTypeFromGroups(info),
    prefix: d.PrefixCode,
    firstName: d.FirstName,
    middleName: d.MiddleName,
    lastName: d.LastName,
    informalName: d.InformalName,
    suffix: d.SuffixCode,
    designation: d.Designation,
    email: d.EmailAddress,
    phones: readPhones(d),
    address: {
      line1: d.Address1,
      line2: d.Address2,
      line3: d.Address3,
      city: d.City,
      stateProvince: d.State,
      postalCode: d.PostalCode,
      country: d.Country,
    },
    websiteUrl: d.WebsiteUrl,
    socialLinks: readSocialLinks(d),
    companyName: d.CompanyName,
    title: d.Title,
    bio: d.Bio,
    profileImageUrl: d.ProfileImageURL,
    memberSince: d.MemberSince,
    membershipExpiresOn: d.MemberExpiresOn,
    excludeFromDirectory: d.ExcludeFromDirectory,
    demographics: readDemographics(info),
    communities: readCommunities(info),
    securityGroups: readSecurityGroups(info),
    education: readEducation(info.Education),
    jobHistory: readJobHistory(info.JobHistory),
    purchases: info.Purchases.map((p) => ({
      productCode: p.ProductCode,
      productName: p.ProductName,
      orderDate: p.OrderDate,
      status: p.Status,
      quantity: p.Quantity,
      termBegin: p.TermBegin,
      termEnd: p.TermEnd,
    })),
    sourceUpdatedAt: d.LastUpdated,
  };
}

/** The entries of a list that read as objects; anything else is no entry. */
function entries<T extends z.ZodType>(raw: unknown, schema: T): Array<z.output<T>> {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry) => {
    const parsed = isObject(entry) ? schema.safeParse(entry) : undefined;
    return parsed?.success ? [parsed.data] : [];
  });
}

function readEducation(raw: unknown): EducationRecord[] {
  return entries(raw, educationSchema).flatMap((e): EducationRecord[] => {
    const institution = e.Institution ?? e.InstitutionName ?? e.School;
    if (institution === null) return [];
    return [
      {
        institution,
        degree: e.Degree,
        fieldOfStudy: e.FieldOfStudy ?? e.Major,
        startDate: e.StartDate,
        endDate: e.EndDate ?? e.GraduationDate,
      },
    ];
  });
}

function readJobHistory(raw: unknown): JobRecord[] {
  return entries(raw, jobSchema).flatMap((j): JobRecord[] => {
    const company = j.Company ?? j.CompanyName ?? j.Employer;
    if (company === null) return [];
    return [{ company, title: j.Title ?? j.JobTitle, startDate: j.StartDate, endDate: j.EndDate, isCurrent: j.IsCurrent }];
  });
}

function readSocialLinks(d: ParsedMemberDetails): SocialLinkRecord[] {
  return SOCIAL_FIELDS.flatMap(([network, field]): SocialLinkRecord[] => {
    const url = d[field];
    return typeof url === "string" ? [{ network, url }] : [];
  });
}

function readCommunities(info: ParsedMemberInfo): CommunityMembershipRecord[] {
  return info.CommunityGroups.map((g) => ({
    communityKey: g.GroupKey,
    name: g.GroupName,
    type: g.GroupType,
    subType: g.GroupSubType,
    parentKey: g.ParentCommunityKey,
    role: g.RoleDescription,
    sinceDate: g.SinceDate,
    beginDate: g.BeginDate,
    endDate: g.EndDate,
  }));
}

function readSecurityGroups(info: ParsedMemberInfo): SecurityGroupMembershipRecord[] {
  return info.SecurityGroups.map((g) => ({
    groupKey: g.GroupKey,
    name: g.GroupName,
    type: g.GroupType,
    role: g.RoleDescription,
    beginDate: g.BeginDate,
    endDate: g.EndDate,
  }));
}

/** AMSs without a MemberType field send the type as a security group of type "MemberType". */
function memberTypeFromGroups(info: ParsedMemberInfo): string | null {
  const group = info.SecurityGroups.find((g) => g.GroupType?.toLowerCase().replace(/[\s_-]/g, "") === MEMBER_TYPE_GROUP);
  return group?.GroupName ?? null;
}

function readPhones(d: ParsedMemberDetails): PhoneRecord[] {
  const phones: PhoneRecord[] = [];
  for (const slot of PHONE_SLOTS) {
    const number = d[`Phone${slot}`];
    // A type with no number is an empty slot in the AMS's form, not a phone.
    if (number !== null) phones.push({ number, type: toPhoneType(d[`Phone${slot}Type`]) });
  }
  return phones;
}

function readDemographics(info: ParsedMemberInfo): DemographicRecord[] {
  // Both the type and the value are required columns; a blank answer is no answer.
  return info.Demographics.flatMap((item): DemographicRecord[] =>
    item.DemographicTypeValue === null || item.DemographicValue === null
      ? []
      : [
          {
            typeKey: item.DemographicTypeKey,
            type: item.DemographicTypeValue,
            valueKey: item.DemographicKey,
            value: item.DemographicValue,
            isFreeForm: item.IsFreeForm,
          },
        ],
  );
}

const wireDay = (day: string | null): string | null => (day === null ? null : formatWireDay(day));

/**
 * The MemberInfo payload of a record, for serving it (the demo AMS, tests). `lastUpdated` goes in
 * `MemberDetails.LastUpdated`; it defaults to the record's own `sourceUpdatedAt`.
 */
export function toMemberInfo(record: MemberRecord, lastUpdated: Date | null = record.sourceUpdatedAt): MemberInfo {
  return {
    MemberDetails: toMemberDetails(record, lastUpdated),
    CommunityGroups: record.communities.map((c) => ({
      GroupKey: c.communityKey,
      GroupName: c.name,
      GroupType: c.type,
      GroupSubType: c.subType,
      ParentCommunityKey: c.parentKey,
      RoleDescription: c.role,
      SinceDate: wireDay(c.sinceDate),
      BeginDate: wireDay(c.beginDate),
      EndDate: wireDay(c.endDate),
    })),
    SecurityGroups: record.securityGroups.map((g) => ({
      GroupKey: g.groupKey,
      GroupName: g.name,
      GroupType: g.type,
      RoleDescription: g.role,
      BeginDate: wireDay(g.beginDate),
      EndDate: wireDay(g.endDate),
    })),
    Demographics: record.demographics.map((item) => ({
      DemographicTypeKey: item.typeKey,
      DemographicTypeValue: item.type,
      DemographicKey: item.valueKey,
      DemographicValue: item.value,
      IsFreeForm: item.isFreeForm,
    })),
    Education: (record.education ?? []).map((e) => ({
      Institution: e.institution,
      Degree: e.degree,
      FieldOfStudy: e.fieldOfStudy,
      StartDate: wireDay(e.startDate),
      EndDate: wireDay(e.endDate),
    })),
    JobHistory: (record.jobHistory ?? []).map((j) => ({
      Company: j.company,
      Title: j.title,
      StartDate: wireDay(j.startDate),
      EndDate: wireDay(j.endDate),
      IsCurrent: j.isCurrent,
    })),
    Purchases: (record.purchases ?? []).map((p) => ({
      ProductCode: p.productCode,
      ProductName: p.productName,
      OrderDate: wireDay(p.orderDate),
      Status: p.status,
      Quantity: p.quantity,
      TermBegin: wireDay(p.termBegin),
      TermEnd: wireDay(p.termEnd),
    })),
  };
}

function toMemberDetails(record: MemberRecord, lastUpdated: Date | null): MemberDetailsInfo {
  const phone = (slot: number) => record.phones[slot - 1];
  const phoneLabel = (slot: number) => {
    const type = phone(slot)?.type;
    return type ? PHONE_TYPE_LABELS[type] : null;
  };
  const social = (network: SocialNetwork) => record.socialLinks.find((link) => link.network === network)?.url ?? null;
  return {
    LegacyContactKey: record.memberKey,
    MemberId: record.memberId,
    MemberType: record.memberType,
    PrefixCode: record.prefix,
    FirstName: record.firstName,
    MiddleName: record.middleName,
    LastName: record.lastName,
    SuffixCode: record.suffix,
    Designation: record.designation,
    InformalName: record.informalName,
    MemberSince: wireDay(record.memberSince),
    MemberExpiresOn: wireDay(record.membershipExpiresOn),
    ExcludeFromDirectory: record.excludeFromDirectory,
    IsActive: record.isActive,
    IsOrganization: record.isOrganization,
    Title: record.title,
    CompanyName: record.companyName,
    Bio: record.bio,
    ProfileImageURL: record.profileImageUrl,
    EmailAddress: record.email,
    Phone1: phone(1)?.number ?? null,
    Phone1Type: phoneLabel(1),
    Phone2: phone(2)?.number ?? null,
    Phone2Type: phoneLabel(2),
    Phone3: phone(3)?.number ?? null,
    Phone3Type: phoneLabel(3),
    Phone4: phone(4)?.number ?? null,
    Phone4Type: phoneLabel(4),
    Address1: record.address.line1,
    Address2: record.address.line2,
    Address3: record.address.line3,
    City: record.address.city,
    State: record.address.stateProvince,
    PostalCode: record.address.postalCode,
    Country: record.address.country,
    WebsiteUrl: record.websiteUrl,
    LinkedInURL: social("LINKEDIN"),
    FacebookURL: social("FACEBOOK"),
    TwitterURL: social("TWITTER"),
    YouTubeURL: social("YOUTUBE"),
    BloggerURL: social("BLOG"),
    WordPressURL: social("WORDPRESS"),
    OtherBlogURL: social("OTHER_BLOG"),
    LastUpdated: lastUpdated?.toISOString() ?? null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
