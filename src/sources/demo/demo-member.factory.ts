import { faker } from "@faker-js/faker/locale/en_US";
import type { AddressRecord, EducationRecord, JobRecord, MemberRecord, PhoneRecord, PhoneType, SocialLinkRecord } from "../member-record";
import { demoAffiliations, type Standing } from "./demo-affiliations";
import { MEMBER_TYPE_WEIGHTS, type DemoMemberType } from "./demo-catalog";
import { addDays, slugify } from "./demo-math";
import { demoPurchases } from "./demo-purchases";

/** Separates the member stream from other seeded streams (events) of the same association seed. */
const MEMBER_STREAM = 1;
const FIRST_MEMBER_NUMBER = 100_001;
const YEAR_DAYS = 365;

/** `M0000001` for index 0: the AMS key, stable across seeds. */
export function demoMemberKey(index: number): string {
  return `M${String(index + 1).padStart(7, "0")}`;
}

/** The index of a demo key, or undefined for anything else. */
export function demoMemberIndex(memberKey: string): number | undefined {
  const match = /^M(\d{7,})$/.exec(memberKey);
  return match ? Number(match[1]) - 1 : undefined;
}

/** The display number; it also appears in the member's e-mail address. */
export function demoMemberNumber(index: number): string {
  return String(FIRST_MEMBER_NUMBER + index);
}

/** The index a member number belongs to, for finding a member by the number in their e-mail. */
export function demoIndexOfNumber(memberNumber: number): number {
  return memberNumber - FIRST_MEMBER_NUMBER;
}

type Person = Pick<MemberRecord, "prefix" | "firstName" | "middleName" | "lastName" | "informalName" | "suffix" | "designation">;

/**
 * Member `index` of the association `seed`, generated on its own: faker is re-seeded with
 * `[seed, stream, index]` first, so no other member needs generating and memory stays flat.
 * Dates are relative to `today`; `sourceUpdatedAt` is left null for the association to set.
 */
export function generateDemoMember(seed: number, index: number, today: string): MemberRecord {
  faker.seed([seed, MEMBER_STREAM, index]);
  const memberType = faker.helpers.weightedArrayElement([...MEMBER_TYPE_WEIGHTS]);
  const isOrganization = memberType === "Organization";
  const person = isOrganization ? noPerson() : generatePerson();
  const companyName = isOrganization || faker.datatype.boolean(0.8) ? faker.company.name() : null;
  const memberId = demoMemberNumber(index);
  const dates = membershipDates(memberType, today);
  const title = jobTitle(memberType);
  const record: MemberRecord = {
    memberKey: demoMemberKey(index),
    memberId,
    isActive: dates.standing !== "long-lapsed" || faker.datatype.boolean(0.5),
    isOrganization,
    memberType,
    ...person,
    email: faker.datatype.boolean(0.97) ? demoEmail(person, companyName, memberId) : null,
    phones: generatePhones(isOrganization),
    address: generateAddress(),
    websiteUrl:
      isOrganization || faker.datatype.boolean(0.1)
        ? `https://www.${slugify(companyName ?? person.lastName ?? "site", "-")}.example.com`
        : null,
    socialLinks: generateSocialLinks(person, companyName, memberId),
    companyName,
    title,
    bio: faker.datatype.boolean(isOrganization ? 0.7 : 0.55) ? generateBio(person, companyName, title, dates.memberSince) : null,
    profileImageUrl: faker.datatype.boolean(0.4) ? `https://images.example.org/members/${demoMemberKey(index)}.jpg` : null,
    memberSince: dates.memberSince,
    membershipExpiresOn: dates.expiresOn,
    excludeFromDirectory: faker.datatype.boolean(0.06),
    ...demoAffiliations(memberType, dates, today),
    purchases: demoPurchases(seed, index, today),
    sourceUpdatedAt: null,
  };
  // Drawn last, so every field above stays what it was before education and jobs existed.
  return {
    ...record,
    ...(isOrganization ? { education: [], jobHistory: [] } : generateCareer(companyName, title, dates.memberSince ?? today)),
  };
}

/** A few people list a degree or two and an earlier job; the current one is their title at their company. */
function generateCareer(companyName: string | null, title: string | null, memberSince: string) {
  const startYear = Number(memberSince.slice(0, 4)) - faker.number.int({ min: 2, max: 15 });
  const education: EducationRecord[] = faker.datatype.boolean(0.5)
    ? [
        {
          institution: `${faker.location.city()} University`,
          degree: faker.helpers.arrayElement(["BA", "BS", "MBA", "MS", "PhD"]),
          fieldOfStudy: faker.helpers.arrayElement(["Business", "Nursing", "Engineering", "Accounting", "Public Policy"]),
          startDate: `${startYear - 4}-09-01`,
          endDate: `${startYear}-05-31`,
        },
      ]
    : [];
  const jobHistory: JobRecord[] = [];
  if (faker.datatype.boolean(0.4)) {
    jobHistory.push({
      company: faker.company.name(),
      title: faker.person.jobTitle(),
      startDate: `${startYear}-07-01`,
      endDate: `${startYear + 2}-06-30`,
      isCurrent: false,
    });
  }
  if (companyName && title)
    jobHistory.push({ company: companyName, title, startDate: `${startYear + 2}-07-01`, endDate: null, isCurrent: true });
  return { education, jobHistory };
}

function noPerson(): Person {
  return { prefix: null, firstName: null, middleName: null, lastName: null, informalName: null, suffix: null, designation: null };
}

function generatePerson(): Person {
  const firstName = faker.person.firstName();
  return {
    prefix: faker.helpers.maybe(() => faker.helpers.arrayElement(["Dr.", "Mr.", "Ms.", "Mrs.", "Prof."]), { probability: 0.15 }) ?? null,
    firstName,
    middleName: faker.helpers.maybe(() => faker.person.middleName(), { probability: 0.3 }) ?? null,
    lastName: faker.person.lastName(),
    informalName: faker.helpers.maybe(() => firstName.slice(0, Math.max(3, Math.ceil(firstName.length / 2))), { probability: 0.1 }) ?? null,
    suffix: faker.helpers.maybe(() => faker.helpers.arrayElement(["Jr.", "Sr.", "II", "III"]), { probability: 0.04 }) ?? null,
    designation:
      faker.helpers.maybe(
        () => faker.helpers.arrayElements(["CAE", "PhD", "MBA", "CPA", "RN", "PE", "MD", "JD"], { min: 1, max: 2 }).join(", "),
        { probability: 0.25 },
      ) ?? null,
  };
}

export interface MembershipDates {
  standing: Standing;
  memberSince: string | null;
  expiresOn: string | null;
}

function membershipDates(memberType: DemoMemberType, today: string): MembershipDates {
  if (memberType === "Non-member") return { standing: "none", memberSince: null, expiresOn: null };
  const maxYears = memberType === "Student" ? 6 : 25;
  const memberSince = addDays(today, -faker.number.int({ min: 30, max: maxYears * YEAR_DAYS }));
  if (memberType === "Staff") return { standing: "staff", memberSince, expiresOn: null };
  const standing = faker.helpers.weightedArrayElement<Standing>([
    { weight: 70, value: "current" },
    { weight: 10, value: "expiring" },
    { weight: 15, value: "lapsed" },
    { weight: 5, value: "long-lapsed" },
  ]);
  const expiresOn = addDays(today, expiryOffsetDays(standing));
  return { standing, memberSince: memberSince < expiresOn ? memberSince : addDays(expiresOn, -YEAR_DAYS), expiresOn };
}

/** Days from today to the membership's end: most renew well ahead, some are due, some lapsed. */
function expiryOffsetDays(standing: Standing): number {
  switch (standing) {
    case "expiring":
      return faker.number.int({ min: 0, max: 30 });
    case "lapsed":
      return -faker.number.int({ min: 1, max: 540 });
    case "long-lapsed":
      return -faker.number.int({ min: 541, max: 2_000 });
    default:
      return faker.number.int({ min: 31, max: YEAR_DAYS });
  }
}

function jobTitle(memberType: DemoMemberType): string | null {
  if (memberType === "Student") return "Student";
  if (memberType === "Organization") return null;
  if (memberType === "Retired") return faker.datatype.boolean(0.4) ? `Retired ${faker.person.jobTitle()}` : null;
  return faker.person.jobTitle();
}

/** Unique by construction: the member number sits before the `@`, which is how sign-in finds the member. */
export function demoEmail(person: Pick<Person, "firstName" | "lastName">, companyName: string | null, memberId: string): string {
  if (person.firstName === null || person.lastName === null) {
    return `info${memberId}@${slugify(companyName ?? "organization", "-")}.example.com`;
  }
  const domain = faker.helpers.arrayElement(["example.com", "example.org", "example.net"]);
  return `${slugify(person.firstName)}.${slugify(person.lastName)}${memberId}@${domain}`;
}

export function generatePhones(isOrganization: boolean): PhoneRecord[] {
  const count = faker.helpers.weightedArrayElement([
    { weight: 8, value: 0 },
    { weight: 30, value: 1 },
    { weight: 37, value: 2 },
    { weight: 18, value: 3 },
    { weight: 7, value: 4 },
  ]);
  const pool: PhoneType[] = isOrganization ? ["WORK", "TOLL_FREE", "FAX", "OTHER"] : ["WORK", "MOBILE", "HOME", "FAX"];
  const types = faker.helpers.shuffle(pool).slice(0, count);
  return types.map((type) => ({
    type: faker.datatype.boolean(0.05) ? null : type,
    number: type === "TOLL_FREE" ? `(800) 555-${faker.string.numeric(4)}` : faker.phone.number({ style: "national" }),
  }));
}

const CANADIAN_PROVINCES = ["ON", "QC", "BC", "AB", "NS", "MB"];

export function generateAddress(): AddressRecord {
  const canadian = faker.datatype.boolean(0.06);
  return {
    line1: faker.location.streetAddress(),
    line2: faker.helpers.maybe(() => faker.location.secondaryAddress(), { probability: 0.25 }) ?? null,
    line3: null,
    city: faker.location.city(),
    stateProvince: canadian ? faker.helpers.arrayElement(CANADIAN_PROVINCES) : faker.location.state({ abbreviated: true }),
    postalCode: canadian ? faker.helpers.replaceSymbols("?#? #?#").toUpperCase() : faker.location.zipCode(),
    country: canadian ? "CA" : "US",
  };
}

function generateSocialLinks(person: Person, companyName: string | null, memberId: string): SocialLinkRecord[] {
  const handle = `${slugify(`${person.firstName ?? ""}${person.lastName ?? companyName ?? ""}`)}${memberId.slice(-3)}`;
  const links: Array<[SocialLinkRecord["network"], number, string]> = [
    ["LINKEDIN", 0.45, `https://www.linkedin.com/in/${handle}`],
    ["FACEBOOK", 0.15, `https://www.facebook.com/${handle}`],
    ["TWITTER", 0.15, `https://x.com/${handle}`],
    ["YOUTUBE", 0.04, `https://www.youtube.com/@${handle}`],
    ["BLOG", 0.04, `https://${handle}.blogspot.com`],
    ["WORDPRESS", 0.03, `https://${handle}.wordpress.com`],
    ["OTHER_BLOG", 0.03, `https://medium.com/@${handle}`],
  ];
  return links.filter(([, probability]) => faker.datatype.boolean(probability)).map(([network, , url]) => ({ network, url }));
}

function generateBio(person: Person, companyName: string | null, title: string | null, memberSince: string | null): string {
  const since = memberSince ? ` and has been with the association since ${memberSince.slice(0, 4)}` : "";
  if (person.firstName === null) {
    return `${companyName ?? "This organization"} ${faker.company.buzzPhrase()}${since}. ${faker.company.catchPhrase()}.`;
  }
  const role = title && companyName ? `${title} at ${companyName}` : (title ?? companyName ?? "a member of the profession");
  return `${person.firstName} ${person.lastName} is ${role}${since}. ${faker.lorem.sentences({ min: 1, max: 3 })}`;
}
