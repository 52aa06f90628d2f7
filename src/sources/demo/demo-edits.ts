import { faker } from "@faker-js/faker/locale/en_US";
import type { CommunityMembershipRecord, MemberRecord } from "../member-record";
import { groupMembership, membership } from "./demo-affiliations";
import { COMMITTEE_ROLES, COMMITTEES, DUES_PAYING_TYPES, type DemoMemberType, SECURITY_GROUPS } from "./demo-catalog";
import { addDays } from "./demo-math";
import { demoEmail, generateAddress, generatePhones } from "./demo-member.factory";

/** What the change simulator does to a member; `removal` deletes them from the AMS altogether. */
export const SIMULATED_CHANGE_KINDS = [
  "contact",
  "join-committee",
  "leave-committee",
  "renewal",
  "lapse",
  "deactivation",
  "reactivation",
  "removal",
] as const;
export type SimulatedChangeKind = (typeof SIMULATED_CHANGE_KINDS)[number];

const TERM_DAYS = 730;
const YEAR_DAYS = 365;

/**
 * One kind of edit as the AMS would make it; null when it does not apply to this member (the
 * simulator then makes a contact change instead). Uses faker, which the caller has seeded.
 */
export function applyDemoEdit(kind: Exclude<SimulatedChangeKind, "removal">, record: MemberRecord, today: string): MemberRecord | null {
  switch (kind) {
    case "contact":
      return changeContact(record);
    case "join-committee":
      return joinCommittee(record, today);
    case "leave-committee":
      return leaveCommittee(record, today);
    case "renewal":
      return renew(record, today);
    case "lapse":
      return lapse(record, today);
    case "deactivation":
      return record.isActive ? { ...record, isActive: false } : null;
    case "reactivation":
      return record.isActive ? null : { ...record, isActive: true };
  }
}

function changeContact(record: MemberRecord): MemberRecord {
  switch (faker.number.int({ min: 0, max: 3 })) {
    case 0:
      return { ...record, phones: generatePhones(record.isOrganization) };
    case 1:
      return { ...record, address: generateAddress() };
    case 2:
      return record.isOrganization ? { ...record, websiteUrl: faker.internet.url() } : { ...record, title: faker.person.jobTitle() };
    default:
      return { ...record, email: demoEmail(record, record.companyName, record.memberId ?? record.memberKey) };
  }
}

const isCurrent = (m: CommunityMembershipRecord, today: string) => m.endDate === null || m.endDate >= today;

function joinCommittee(record: MemberRecord, today: string): MemberRecord | null {
  if (!record.isActive || record.isOrganization || record.memberType === "Non-member") return null;
  const held = new Set(record.communities.filter((m) => isCurrent(m, today)).map((m) => m.communityKey));
  const open = COMMITTEES.filter((committee) => !held.has(committee.key));
  if (open.length === 0) return null;
  const term = { beginDate: today, endDate: addDays(today, TERM_DAYS - 1) };
  const communities = [...record.communities, membership(faker.helpers.arrayElement(open), COMMITTEE_ROLES.member, term)];
  const volunteers = SECURITY_GROUPS.volunteers;
  const securityGroups = record.securityGroups.some((g) => g.groupKey === volunteers.key)
    ? record.securityGroups
    : [...record.securityGroups, groupMembership(volunteers, today, null)];
  return { ...record, communities, securityGroups };
}

/** Leaving ends the term yesterday; the AMS keeps the past term on the record. */
function leaveCommittee(record: MemberRecord, today: string): MemberRecord | null {
  const position = record.communities.findIndex((m) => m.type === "Committee" && isCurrent(m, today) && m.communityKey !== "COM-BOARD");
  if (position < 0) return null;
  const communities = record.communities.map((m, i) => (i === position ? { ...m, endDate: addDays(today, -1) } : m));
  return { ...record, communities };
}

const paysDues = (record: MemberRecord) => DUES_PAYING_TYPES.has(record.memberType as DemoMemberType);

/** Moves the membership's end, and the chapter term that follows it. */
function withExpiry(record: MemberRecord, expiresOn: string): MemberRecord {
  const previous = record.membershipExpiresOn;
  const communities = record.communities.map((m) =>
    m.type === "Chapter" && m.endDate !== null && m.endDate === previous
      ? { ...m, beginDate: addDays(expiresOn, -364), endDate: expiresOn }
      : m,
  );
  return { ...record, membershipExpiresOn: expiresOn, communities };
}

function renew(record: MemberRecord, today: string): MemberRecord | null {
  if (!paysDues(record)) return null;
  const from = record.membershipExpiresOn !== null && record.membershipExpiresOn > today ? record.membershipExpiresOn : today;
  return { ...withExpiry(record, addDays(from, YEAR_DAYS)), isActive: true, memberSince: record.memberSince ?? today };
}

function lapse(record: MemberRecord, today: string): MemberRecord | null {
  if (!paysDues(record) || record.membershipExpiresOn === null || record.membershipExpiresOn < today) return null;
  return withExpiry(record, addDays(today, -1));
}
