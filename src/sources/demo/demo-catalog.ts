/**
 * The fixed shape of the demo association: member types, communities, security groups and
 * demographic questions. Keys are stable across seeds so configuration (allow-lists, staff and
 * admin groups) can name them.
 */

export const DEMO_MEMBER_TYPES = ["Regular", "Student", "Retired", "Staff", "Non-member", "Organization"] as const;
export type DemoMemberType = (typeof DEMO_MEMBER_TYPES)[number];

export const MEMBER_TYPE_WEIGHTS: ReadonlyArray<{ weight: number; value: DemoMemberType }> = [
  { weight: 58, value: "Regular" },
  { weight: 10, value: "Student" },
  { weight: 8, value: "Retired" },
  { weight: 2, value: "Staff" },
  { weight: 14, value: "Non-member" },
  { weight: 8, value: "Organization" },
];

/** Types whose holders pay dues and so carry membership dates and chapters. */
export const DUES_PAYING_TYPES: ReadonlySet<DemoMemberType> = new Set(["Regular", "Student", "Retired", "Organization"]);

export interface DemoCommunity {
  key: string;
  name: string;
  type: string;
  subType: string | null;
  parentKey: string | null;
}

const CHAPTER = "Chapter";
const COMMITTEE = "Committee";
const SIG = "Special Interest Group";

/** The parent every chapter hangs under; staff liaisons are its members, so it reaches the cache. */
export const CHAPTERS_PARENT: DemoCommunity = { key: "CHAPTERS", name: "Chapters", type: CHAPTER, subType: null, parentKey: null };

const chapter = (key: string, name: string, subType: string): DemoCommunity => ({
  key,
  name,
  type: CHAPTER,
  subType,
  parentKey: CHAPTERS_PARENT.key,
});

export const REGIONAL_CHAPTERS: readonly DemoCommunity[] = [
  chapter("CH-NE", "Northeast Chapter", "Regional"),
  chapter("CH-SE", "Southeast Chapter", "Regional"),
  chapter("CH-MW", "Midwest Chapter", "Regional"),
  chapter("CH-SW", "Southwest Chapter", "Regional"),
  chapter("CH-W", "Western Chapter", "Regional"),
  chapter("CH-INTL", "International Chapter", "International"),
];

export const STUDENT_CHAPTERS: readonly DemoCommunity[] = [
  chapter("CH-STU-STATE", "State University Student Chapter", "Student"),
  chapter("CH-STU-TECH", "Institute of Technology Student Chapter", "Student"),
  chapter("CH-STU-CITY", "City College Student Chapter", "Student"),
];

export const BOARD: DemoCommunity = {
  key: "COM-BOARD",
  name: "Board of Directors",
  type: COMMITTEE,
  subType: "Governance",
  parentKey: null,
};

export const COMMITTEES: readonly DemoCommunity[] = [
  { key: "COM-FIN", name: "Finance Committee", type: COMMITTEE, subType: "Standing", parentKey: null },
  { key: "COM-EDU", name: "Education Committee", type: COMMITTEE, subType: "Standing", parentKey: null },
  { key: "COM-MEM", name: "Membership Committee", type: COMMITTEE, subType: "Standing", parentKey: null },
  { key: "COM-AWARDS", name: "Awards Task Force", type: COMMITTEE, subType: "Ad Hoc", parentKey: null },
  { key: "COM-CONF", name: "Annual Conference Planning", type: COMMITTEE, subType: "Ad Hoc", parentKey: null },
];

export const SPECIAL_INTEREST_GROUPS: readonly DemoCommunity[] = [
  { key: "SIG-TECH", name: "Technology & Innovation", type: SIG, subType: "Topic", parentKey: null },
  { key: "SIG-RES", name: "Research Network", type: SIG, subType: "Topic", parentKey: null },
  { key: "SIG-YP", name: "Young Professionals", type: SIG, subType: "Affinity", parentKey: null },
  { key: "SIG-WOMEN", name: "Women in Leadership", type: SIG, subType: "Affinity", parentKey: null },
];

export const COMMITTEE_ROLES = { chair: "Chair", viceChair: "Vice Chair", member: "Member", staff: "Staff Liaison" } as const;

export interface DemoSecurityGroup {
  key: string;
  name: string;
  type: string;
}

export const SECURITY_GROUPS = {
  board: { key: "SG-BOARD", name: "Board Portal", type: "Security" },
  volunteers: { key: "SG-VOLUNTEERS", name: "Volunteers", type: "Security" },
  journal: { key: "SG-JOURNAL", name: "Journal Subscribers", type: "Security" },
  webAdmins: { key: "SG-WEBADMIN", name: "Website Administrators", type: "Security" },
} as const satisfies Record<string, DemoSecurityGroup>;

export interface DemoDemographicQuestion {
  typeKey: string;
  type: string;
  answers: readonly string[];
}

export const DEMOGRAPHICS = {
  areaOfPractice: {
    typeKey: "DT-AOP",
    type: "Area of Practice",
    answers: ["Clinical", "Research", "Education", "Industry", "Government", "Consulting"],
  },
  yearsInProfession: { typeKey: "DT-YIP", type: "Years in Profession", answers: ["0-5", "6-10", "11-20", "21+"] },
  areasOfInterest: {
    typeKey: "DT-AOI",
    type: "Areas of Interest",
    answers: ["Policy", "Technology", "Leadership", "Ethics", "Mentoring", "Public Health", "Data"],
  },
  organizationSize: { typeKey: "DT-ORGSIZE", type: "Organization Size", answers: ["1-10", "11-50", "51-200", "201-1000", "1000+"] },
  specialtyNotes: { typeKey: "DT-NOTES", type: "Specialty Notes", answers: [] },
} as const satisfies Record<string, DemoDemographicQuestion>;

/** The demo AMS's answer to every demo member's password; see `DemoAssociation.authenticate`. */
export const DEMO_PASSWORD = "demo-password";
/** Demo SSO tokens are `demo-sso:<memberKey>`. */
export const DEMO_SSO_PREFIX = "demo-sso:";

/** A product of the demo association's store; codes are stable so `PURCHASE_RULES` can name them. */
export interface DemoProduct {
  code: string;
  name: string;
  /** Length of the access term a purchase buys, in days; null for a one-off (no term). */
  termDays: number | null;
}

export const PRODUCTS: readonly DemoProduct[] = [
  { code: "JOURNAL-SUB", name: "Journal Subscription (1 year)", termDays: 365 },
  { code: "CERT-PREP", name: "Certification Prep Course", termDays: 180 },
  { code: "WEBINAR-PASS", name: "Webinar Season Pass", termDays: 90 },
  { code: "ANNUAL-CONF", name: "Annual Conference Registration", termDays: null },
  { code: "CODE-BOOK", name: "Standards Code Book (print)", termDays: null },
];

/** Order statuses the demo store reports. */
export const ORDER_STATUSES = ["Active", "Paid", "Cancelled"] as const;
