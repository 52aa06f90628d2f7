import { z } from "zod";
import {
  count,
  flag,
  longText,
  optionalDay,
  optionalInstant,
  optionalKey,
  optionalList,
  optionalText,
  requiredInstant,
  requiredKey,
  requiredText,
} from "./wire-values";

/**
 * The MemberInfo payload (contract §2) and the Event body (§1), as zod schemas that parse and
 * normalize in one pass. Unknown fields are accepted and dropped; optional ones may be missing.
 * Every length bound is the cache column's (src/db/entities): one oversized value fails its own
 * record here instead of a whole batch transaction later.
 *
 * Dates: calendar-day fields become `YYYY-MM-DD` as written; instants become `Date`, and a time
 * sent without an offset is read as UTC, because the contract names no zone.
 */

const phoneNumber = () => optionalText(64, true);
/** Phone types are mapped onto a closed list, so their length never reaches the database. */
const phoneType = () => optionalText();
const url = () => optionalText(500);

export const memberDetailsSchema = z.object({
  LegacyContactKey: requiredKey(),
  MemberId: optionalText(64, true),
  /** Not in the published field list; sent by AMSs that have one type per member. */
  MemberType: optionalText(100),
  PrefixCode: optionalText(32),
  FirstName: optionalText(100),
  MiddleName: optionalText(100),
  LastName: optionalText(100),
  SuffixCode: optionalText(32),
  Designation: optionalText(100),
  InformalName: optionalText(100),
  MemberSince: optionalDay(),
  MemberExpiresOn: optionalDay(),
  ExcludeFromDirectory: flag(false),
  // An AMS that leaves IsActive out is describing a record it still holds.
  IsActive: flag(true),
  IsOrganization: flag(false),
  Title: optionalText(200),
  CompanyName: optionalText(200),
  Bio: longText(),
  ProfileImageURL: url(),
  EmailAddress: optionalText(320),
  Phone1: phoneNumber(),
  Phone1Type: phoneType(),
  Phone2: phoneNumber(),
  Phone2Type: phoneType(),
  Phone3: phoneNumber(),
  Phone3Type: phoneType(),
  Phone4: phoneNumber(),
  Phone4Type: phoneType(),
  Address1: optionalText(200),
  Address2: optionalText(200),
  Address3: optionalText(200),
  City: optionalText(100),
  State: optionalText(100),
  PostalCode: optionalText(32, true),
  Country: optionalText(100),
  WebsiteUrl: url(),
  LinkedInURL: url(),
  FacebookURL: url(),
  TwitterURL: url(),
  YouTubeURL: url(),
  BloggerURL: url(),
  WordPressURL: url(),
  OtherBlogURL: url(),
  /** Not in the published field list: the record's own change time, as `/changed-members` reports it. */
  LastUpdated: optionalInstant(),
});

export const communityGroupSchema = z.object({
  GroupKey: requiredKey(),
  GroupName: requiredText(200),
  GroupType: optionalText(100),
  GroupSubType: optionalText(100),
  ParentCommunityKey: optionalKey(),
  RoleDescription: optionalText(100),
  SinceDate: optionalDay(),
  BeginDate: optionalDay(),
  EndDate: optionalDay(),
});

export const securityGroupSchema = z.object({
  GroupKey: requiredKey(),
  GroupName: requiredText(200),
  GroupType: optionalText(100),
  RoleDescription: optionalText(100),
  BeginDate: optionalDay(),
  EndDate: optionalDay(),
});

export const demographicSchema = z.object({
  DemographicTypeKey: optionalKey(),
  DemographicTypeValue: optionalText(200),
  DemographicKey: optionalKey(),
  DemographicValue: optionalText(500, true),
  IsFreeForm: flag(false),
});

/** A field of Education[] or JobHistory[]: a value that does not read is dropped, never fatal. */
const lenientText = () => optionalText(200, true).catch(null);
const lenientDay = () => optionalDay().catch(null);
const TRUE_WORDS = new Set(["true", "1", "yes", "y"]);

/**
 * Education[] and JobHistory[] have no published field table (contract §2): these names, with
 * the aliases clients are seen to use, are read; anything else is ignored, and an entry without
 * its institution or company is left out. Neither list ever fails a member.
 */
export const educationSchema = z.object({
  Institution: lenientText(),
  InstitutionName: lenientText(),
  School: lenientText(),
  Degree: lenientText(),
  FieldOfStudy: lenientText(),
  Major: lenientText(),
  StartDate: lenientDay(),
  EndDate: lenientDay(),
  GraduationDate: lenientDay(),
});

export const jobSchema = z.object({
  Company: lenientText(),
  CompanyName: lenientText(),
  Employer: lenientText(),
  Title: lenientText(),
  JobTitle: lenientText(),
  StartDate: lenientDay(),
  EndDate: lenientDay(),
  IsCurrent: z
    .unknown()
    .optional()
    .transform((value) => value === true || value === 1 || (typeof value === "string" && TRUE_WORDS.has(value.trim().toLowerCase()))),
});

/** amsgate's own extension of MemberInfo: the member's product orders (eCommerce). */
export const purchaseSchema = z.object({
  ProductCode: requiredKey(),
  ProductName: optionalText(200),
  OrderDate: optionalDay(),
  Status: optionalText(100),
  Quantity: count(1),
  TermBegin: optionalDay(),
  TermEnd: optionalDay(),
});

export const memberInfoSchema = z.object({
  MemberDetails: memberDetailsSchema,
  CommunityGroups: optionalList(communityGroupSchema),
  SecurityGroups: optionalList(securityGroupSchema),
  Demographics: optionalList(demographicSchema),
  // Read entry by entry by the mapper (educationSchema, jobSchema): their shape is never a reason to fail.
  Purchases: optionalList(purchaseSchema),
  Education: z.unknown().optional(),
  JobHistory: z.unknown().optional(),
});

export const amsEventSchema = z.object({
  EventKey: requiredKey(),
  Title: requiredText(300),
  Description: longText(),
  StartsAt: requiredInstant(),
  EndsAt: optionalInstant(),
  TimeZone: optionalText(64),
  Location: optionalText(300),
  Url: url(),
  ProductCode: optionalText(100, true),
  Category: optionalText(100),
  IsMembersOnly: flag(false),
  IsDeleted: flag(false),
  LastUpdated: optionalInstant(),
});

export type ParsedMemberInfo = z.output<typeof memberInfoSchema>;
export type ParsedMemberDetails = z.output<typeof memberDetailsSchema>;
export type ParsedAmsEvent = z.output<typeof amsEventSchema>;
