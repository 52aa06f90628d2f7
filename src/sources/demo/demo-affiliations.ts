import { faker } from "@faker-js/faker/locale/en_US";
import type { CommunityMembershipRecord, DemographicRecord, MemberRecord, SecurityGroupMembershipRecord } from "../member-record";
import {
  BOARD,
  CHAPTERS_PARENT,
  COMMITTEE_ROLES,
  COMMITTEES,
  type DemoCommunity,
  type DemoDemographicQuestion,
  DEMOGRAPHICS,
  type DemoMemberType,
  type DemoSecurityGroup,
  DUES_PAYING_TYPES,
  REGIONAL_CHAPTERS,
  SECURITY_GROUPS,
  SPECIAL_INTEREST_GROUPS,
  STUDENT_CHAPTERS,
} from "./demo-catalog";
import { addDays } from "./demo-math";
import type { MembershipDates } from "./demo-member.factory";

/** Where a member's dues stand relative to today. */
export type Standing = "current" | "expiring" | "lapsed" | "long-lapsed" | "staff" | "none";

/** Committee and board terms run two years. */
const TERM_DAYS = 730;

type Affiliations = Pick<MemberRecord, "communities" | "securityGroups" | "demographics">;

export function membership(
  community: DemoCommunity,
  role: string | null,
  dates: { sinceDate?: string | null; beginDate: string | null; endDate: string | null },
): CommunityMembershipRecord {
  return {
    communityKey: community.key,
    name: community.name,
    type: community.type,
    subType: community.subType,
    parentKey: community.parentKey,
    role,
    sinceDate: dates.sinceDate ?? null,
    beginDate: dates.beginDate,
    endDate: dates.endDate,
  };
}

export function groupMembership(group: DemoSecurityGroup, beginDate: string | null, endDate: string | null): SecurityGroupMembershipRecord {
  return { groupKey: group.key, name: group.name, type: group.type, role: null, beginDate, endDate };
}

/** A current committee term: began within the last two years, so it ends in the future. */
export function currentTerm(today: string): { beginDate: string; endDate: string } {
  const beginDate = addDays(today, -faker.number.int({ min: 0, max: TERM_DAYS - 30 }));
  return { beginDate, endDate: addDays(beginDate, TERM_DAYS - 1) };
}

/** Chapters, committees (with past terms), SIGs, security groups and demographics for one member. */
export function demoAffiliations(memberType: DemoMemberType, dates: MembershipDates, today: string): Affiliations {
  const communities: CommunityMembershipRecord[] = [];
  const securityGroups: SecurityGroupMembershipRecord[] = [];
  if (DUES_PAYING_TYPES.has(memberType) && dates.expiresOn !== null && faker.datatype.boolean(0.75)) {
    const chapters = memberType === "Student" && faker.datatype.boolean(0.7) ? STUDENT_CHAPTERS : REGIONAL_CHAPTERS;
    communities.push(
      membership(faker.helpers.arrayElement(chapters), COMMITTEE_ROLES.member, {
        sinceDate: dates.memberSince,
        beginDate: addDays(dates.expiresOn, -364),
        endDate: dates.expiresOn,
      }),
    );
  }
  if (memberType === "Staff") addStaffRoles(communities, securityGroups, dates);
  else if (memberType !== "Organization" && memberType !== "Non-member") addVolunteerRoles(memberType, communities, securityGroups, today);
  if (memberType !== "Staff" && faker.datatype.boolean(0.25)) {
    for (const sig of faker.helpers.arrayElements(SPECIAL_INTEREST_GROUPS, { min: 1, max: 2 })) {
      const sinceDate = addDays(today, -faker.number.int({ min: 10, max: 3_000 }));
      communities.push(membership(sig, COMMITTEE_ROLES.member, { sinceDate, beginDate: sinceDate, endDate: null }));
    }
  }
  if (faker.datatype.boolean(0.2)) {
    const beginDate = addDays(today, -faker.number.int({ min: 0, max: 700 }));
    securityGroups.push(groupMembership(SECURITY_GROUPS.journal, beginDate, addDays(beginDate, 364)));
  }
  return { communities, securityGroups, demographics: demographicsFor(memberType) };
}

function addStaffRoles(communities: CommunityMembershipRecord[], groups: SecurityGroupMembershipRecord[], dates: MembershipDates): void {
  const since = dates.memberSince;
  communities.push(membership(CHAPTERS_PARENT, COMMITTEE_ROLES.staff, { sinceDate: since, beginDate: since, endDate: null }));
  communities.push(membership(faker.helpers.arrayElement(COMMITTEES), COMMITTEE_ROLES.staff, { beginDate: since, endDate: null }));
  if (faker.datatype.boolean(0.25)) groups.push(groupMembership(SECURITY_GROUPS.webAdmins, since, null));
}

function addVolunteerRoles(
  memberType: DemoMemberType,
  communities: CommunityMembershipRecord[],
  groups: SecurityGroupMembershipRecord[],
  today: string,
): void {
  let volunteerSince: string | null = null;
  if (memberType !== "Student" && faker.datatype.boolean(0.015)) {
    const term = currentTerm(today);
    const role = faker.helpers.weightedArrayElement([
      { weight: 1, value: COMMITTEE_ROLES.chair },
      { weight: 1, value: COMMITTEE_ROLES.viceChair },
      { weight: 6, value: COMMITTEE_ROLES.member },
    ]);
    communities.push(membership(BOARD, role, term));
    groups.push(groupMembership(SECURITY_GROUPS.board, term.beginDate, term.endDate));
    volunteerSince = term.beginDate;
  }
  if (faker.datatype.boolean(0.18)) {
    const committee = faker.helpers.arrayElement(COMMITTEES);
    const term = currentTerm(today);
    const pastOnly = faker.datatype.boolean(0.15);
    const previous = { beginDate: addDays(term.beginDate, -TERM_DAYS), endDate: addDays(term.beginDate, -1) };
    if (pastOnly || faker.datatype.boolean(0.3)) communities.push(membership(committee, COMMITTEE_ROLES.member, previous));
    if (!pastOnly) {
      const role = faker.helpers.weightedArrayElement([
        { weight: 8, value: COMMITTEE_ROLES.chair },
        { weight: 10, value: COMMITTEE_ROLES.viceChair },
        { weight: 82, value: COMMITTEE_ROLES.member },
      ]);
      communities.push(membership(committee, role, term));
      volunteerSince = volunteerSince !== null && volunteerSince < term.beginDate ? volunteerSince : term.beginDate;
    }
  }
  if (volunteerSince !== null) groups.push(groupMembership(SECURITY_GROUPS.volunteers, volunteerSince, null));
}

function answer(question: DemoDemographicQuestion, answerIndex: number): DemographicRecord {
  return {
    typeKey: question.typeKey,
    type: question.type,
    valueKey: `${question.typeKey.slice(3)}-${answerIndex + 1}`,
    value: question.answers[answerIndex]!,
    isFreeForm: false,
  };
}

function pickAnswer(question: DemoDemographicQuestion): DemographicRecord {
  return answer(question, faker.number.int({ min: 0, max: question.answers.length - 1 }));
}

function demographicsFor(memberType: DemoMemberType): DemographicRecord[] {
  if (memberType === "Organization") {
    return faker.datatype.boolean(0.8) ? [pickAnswer(DEMOGRAPHICS.organizationSize)] : [];
  }
  if (memberType === "Staff") return [];
  const result: DemographicRecord[] = [];
  if (faker.datatype.boolean(0.7)) result.push(pickAnswer(DEMOGRAPHICS.areaOfPractice));
  if (faker.datatype.boolean(0.5)) result.push(pickAnswer(DEMOGRAPHICS.yearsInProfession));
  if (faker.datatype.boolean(0.4)) {
    const question = DEMOGRAPHICS.areasOfInterest;
    const picks = faker.helpers.arrayElements([...question.answers.keys()], { min: 1, max: 3 }).sort((a, b) => a - b);
    for (const index of picks) result.push(answer(question, index));
  }
  if (faker.datatype.boolean(0.1)) {
    const notes = DEMOGRAPHICS.specialtyNotes;
    result.push({ typeKey: notes.typeKey, type: notes.type, valueKey: null, value: faker.lorem.sentence(), isFreeForm: true });
  }
  return result;
}
