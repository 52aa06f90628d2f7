/**
 * The canonical member record every source returns (DESIGN §3), whatever its AMS calls things.
 * Sources normalize into this shape; sync and the graph never see an AMS's own names.
 */

export const PHONE_TYPES = ["WORK", "HOME", "MOBILE", "FAX", "TOLL_FREE", "OTHER"] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export const SOCIAL_NETWORKS = ["LINKEDIN", "FACEBOOK", "TWITTER", "YOUTUBE", "BLOG", "WORDPRESS", "OTHER_BLOG"] as const;
export type SocialNetwork = (typeof SOCIAL_NETWORKS)[number];

export interface PhoneRecord {
  number: string;
  type: PhoneType | null;
}

export interface SocialLinkRecord {
  network: SocialNetwork;
  url: string;
}

export interface DemographicRecord {
  typeKey: string | null;
  type: string;
  valueKey: string | null;
  value: string;
  isFreeForm: boolean;
}

export interface CommunityMembershipRecord {
  communityKey: string;
  name: string;
  type: string | null;
  subType: string | null;
  parentKey: string | null;
  role: string | null;
  /** Calendar days, `YYYY-MM-DD`. */
  sinceDate: string | null;
  beginDate: string | null;
  endDate: string | null;
}

export interface SecurityGroupMembershipRecord {
  groupKey: string;
  name: string;
  type: string | null;
  role: string | null;
  beginDate: string | null;
  endDate: string | null;
}

/** One school or degree; only the institution is required. */
export interface EducationRecord {
  institution: string;
  degree: string | null;
  fieldOfStudy: string | null;
  /** Calendar days, `YYYY-MM-DD`. */
  startDate: string | null;
  endDate: string | null;
}

/** One position held; only the company is required. */
export interface JobRecord {
  company: string;
  title: string | null;
  startDate: string | null;
  endDate: string | null;
  isCurrent: boolean;
}

/**
 * One order line of a product (eCommerce), as the AMS reports it. `status` is the AMS's own word
 * (e.g. "Active", "Paid", "Cancelled"); which statuses grant access is configuration.
 */
export interface PurchaseRecord {
  productCode: string;
  productName: string | null;
  /** Calendar days, `YYYY-MM-DD`. */
  orderDate: string | null;
  status: string | null;
  quantity: number;
  termBegin: string | null;
  termEnd: string | null;
}

export interface AddressRecord {
  line1: string | null;
  line2: string | null;
  line3: string | null;
  city: string | null;
  stateProvince: string | null;
  postalCode: string | null;
  country: string | null;
}

export interface MemberRecord {
  memberKey: string;
  memberId: string | null;
  isActive: boolean;
  isOrganization: boolean;
  memberType: string | null;

  prefix: string | null;
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
  informalName: string | null;
  suffix: string | null;
  designation: string | null;

  email: string | null;
  /** At most four, in the AMS's order. */
  phones: PhoneRecord[];
  address: AddressRecord;
  websiteUrl: string | null;
  socialLinks: SocialLinkRecord[];

  companyName: string | null;
  title: string | null;
  bio: string | null;
  profileImageUrl: string | null;
  memberSince: string | null;
  membershipExpiresOn: string | null;
  excludeFromDirectory: boolean;

  demographics: DemographicRecord[];
  communities: CommunityMembershipRecord[];
  securityGroups: SecurityGroupMembershipRecord[];
  /** Optional in the payload: a source that has none leaves them out (read as empty). */
  education?: EducationRecord[];
  jobHistory?: JobRecord[];
  /** Product orders; absent when the source has no eCommerce (treated as none). */
  purchases?: PurchaseRecord[];

  /** The AMS's own last-change time for this record, when it says. */
  sourceUpdatedAt: Date | null;
}

/** An AMS event, as every source returns it. */
export interface EventRecord {
  eventKey: string;
  title: string;
  description: string | null;
  startsAt: Date;
  endsAt: Date | null;
  timeZone: string | null;
  location: string | null;
  url: string | null;
  productCode: string | null;
  category: string | null;
  isMembersOnly: boolean;
  isDeleted: boolean;
  sourceUpdatedAt: Date | null;
}
