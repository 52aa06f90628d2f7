/**
 * The wire shapes amsgate sends (contract §1, §2): what `toMemberInfo` and `toAmsEvent` produce.
 * Incoming payloads are `unknown` until the schemas have read them.
 */

type Text = string | null;

export interface MemberDetailsInfo {
  LegacyContactKey: string;
  MemberId: Text;
  MemberType: Text;
  PrefixCode: Text;
  FirstName: Text;
  MiddleName: Text;
  LastName: Text;
  SuffixCode: Text;
  Designation: Text;
  InformalName: Text;
  MemberSince: Text;
  MemberExpiresOn: Text;
  ExcludeFromDirectory: boolean;
  IsActive: boolean;
  IsOrganization: boolean;
  Title: Text;
  CompanyName: Text;
  Bio: Text;
  ProfileImageURL: Text;
  EmailAddress: Text;
  Phone1: Text;
  Phone1Type: Text;
  Phone2: Text;
  Phone2Type: Text;
  Phone3: Text;
  Phone3Type: Text;
  Phone4: Text;
  Phone4Type: Text;
  Address1: Text;
  Address2: Text;
  Address3: Text;
  City: Text;
  State: Text;
  PostalCode: Text;
  Country: Text;
  WebsiteUrl: Text;
  LinkedInURL: Text;
  FacebookURL: Text;
  TwitterURL: Text;
  YouTubeURL: Text;
  BloggerURL: Text;
  WordPressURL: Text;
  OtherBlogURL: Text;
  LastUpdated: Text;
}

export interface CommunityGroupInfo {
  GroupKey: string;
  GroupName: string;
  GroupType: Text;
  GroupSubType: Text;
  ParentCommunityKey: Text;
  RoleDescription: Text;
  SinceDate: Text;
  BeginDate: Text;
  EndDate: Text;
}

export interface SecurityGroupInfo {
  GroupKey: string;
  GroupName: string;
  GroupType: Text;
  RoleDescription: Text;
  BeginDate: Text;
  EndDate: Text;
}

export interface DemographicInfo {
  DemographicTypeKey: Text;
  DemographicTypeValue: string;
  DemographicKey: Text;
  DemographicValue: string;
  IsFreeForm: boolean;
}

export interface EducationInfo {
  Institution: string;
  Degree: Text;
  FieldOfStudy: Text;
  StartDate: Text;
  EndDate: Text;
}

export interface JobInfo {
  Company: string;
  Title: Text;
  StartDate: Text;
  EndDate: Text;
  IsCurrent: boolean;
}

/** amsgate's own extension of MemberInfo (not in the community platforms' payload). */
export interface PurchaseInfo {
  ProductCode: string;
  ProductName: Text;
  OrderDate: Text;
  Status: Text;
  Quantity: number;
  TermBegin: Text;
  TermEnd: Text;
}

export interface MemberInfo {
  MemberDetails: MemberDetailsInfo;
  CommunityGroups: CommunityGroupInfo[];
  SecurityGroups: SecurityGroupInfo[];
  Demographics: DemographicInfo[];
  Education: EducationInfo[];
  JobHistory: JobInfo[];
  Purchases?: PurchaseInfo[];
}

export interface AmsEvent {
  EventKey: string;
  Title: string;
  Description: Text;
  StartsAt: string;
  EndsAt: Text;
  TimeZone: Text;
  Location: Text;
  Url: Text;
  ProductCode: Text;
  Category: Text;
  IsMembersOnly: boolean;
  IsDeleted: boolean;
  LastUpdated: Text;
}
