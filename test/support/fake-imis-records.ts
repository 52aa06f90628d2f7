import type { EventRecord, MemberRecord } from "../../src/sources/member-record";
import { toCollection, toPropertyBag } from "../../src/sources/imis/imis-envelope";

/**
 * iMIS wire records (PersonData, GroupMemberData, EventData) built the way iMIS serializes
 * them, for the fake iMIS. Written from the documented shapes, independently of the mappers
 * (which are checked against hand-written fixtures as well).
 */

const MEMBERSHIP = "Asi.Soa.Membership.DataContracts";
const wire = (name: string) => `${MEMBERSHIP}.${name}, Asi.Contracts`;
/** iMIS sends times without an offset. */
const imisTime = (instant: Date) => instant.toISOString().slice(0, 23);
const imisDay = (day: string | null) => (day === null ? "" : `${day}T00:00:00`);

/** A person as tests describe one. */
export interface FakePerson {
  partyId: string;
  firstName: string | null;
  lastName: string | null;
  email?: string | null;
  memberType?: string | null;
  /** `YYYY-MM-DD`. */
  joinDate?: string | null;
  paidThrough?: string | null;
  /** PartyStatusId; `A` unless told. */
  status?: string;
  company?: string | null;
  title?: string | null;
  phones?: Array<{ number: string; type: string }>;
}

export function personParty(person: FakePerson, updatedOn: Date): Record<string, unknown> {
  const status = person.status ?? "A";
  return {
    $type: wire("PersonData"),
    PersonName: { $type: wire("PersonNameData"), FirstName: person.firstName ?? "", LastName: person.lastName ?? "" },
    PrimaryOrganization: { $type: wire("PrimaryOrganizationInformationData"), Name: person.company ?? "", Title: person.title ?? "" },
    Emails: toCollection(
      wire("EmailDataCollection"),
      person.email ? [{ $type: wire("EmailData"), Address: person.email, EmailType: "_Primary", IsPrimary: true }] : [],
    ),
    Phones: toCollection(
      wire("PhoneDataCollection"),
      (person.phones ?? []).map((phone) => ({ $type: wire("PhoneData"), Number: phone.number, PhoneType: phone.type })),
    ),
    Addresses: toCollection(wire("FullAddressDataCollection"), []),
    Status: { $type: wire("PartyStatusData"), PartyStatusId: status, Name: status === "A" ? "Active" : "Inactive" },
    AdditionalAttributes: toPropertyBag({
      CustomerTypeCode: person.memberType ?? "",
      JoinDate: imisDay(person.joinDate ?? null),
      PaidThruDate: imisDay(person.paidThrough ?? null),
    }),
    UpdateInformation: { $type: "Asi.Soa.Core.DataContracts.EntityUpdateInformationData, Asi.Contracts", UpdatedOn: imisTime(updatedOn) },
    PartyId: person.partyId,
    Id: person.partyId,
    Name: [person.firstName, person.lastName].filter(Boolean).join(" "),
  };
}

/** A group as tests describe one: its class decides what the connector makes of it. */
export interface FakeGroup {
  groupId: string;
  name: string;
  groupClass: string;
}

export interface FakeTerm {
  role: string | null;
  begin: string | null;
  end: string | null;
}

export function groupMember(partyId: string, group: FakeGroup, terms: FakeTerm[]): Record<string, unknown> {
  return {
    $type: wire("GroupMemberData"),
    GroupMemberId: `${group.groupId}:${partyId}`,
    Group: {
      $type: wire("GroupSummaryData"),
      GroupId: group.groupId,
      Name: group.name,
      GroupClass: { $type: wire("GroupClassSummaryData"), GroupClassId: group.groupClass.toUpperCase(), Name: group.groupClass },
    },
    Party: { $type: wire("PartySummaryData"), PartyId: partyId },
    MembershipDetails: toCollection(
      wire("GroupMemberDetailDataCollection"),
      terms.map((term) => ({
        $type: wire("GroupMemberDetailData"),
        EffectiveDate: imisDay(term.begin),
        ExpirationDate: imisDay(term.end),
        Role: term.role === null ? null : { $type: wire("GroupRoleData"), Name: term.role, Description: term.role },
      })),
    ),
  };
}

/** The security-group class the fake uses for AMS security groups (mapped with `Access Group:security`). */
export const SECURITY_GROUP_CLASS = "Access Group";

/** A canonical record as iMIS would hold it: the Party and its GroupMembers. */
export function imisRecordsOf(
  record: MemberRecord,
  updatedOn: Date,
): { party: Record<string, unknown>; groupMembers: Record<string, unknown>[] } {
  const party = personParty(
    {
      partyId: record.memberKey,
      firstName: record.firstName,
      lastName: record.lastName,
      email: record.email,
      memberType: record.memberType,
      joinDate: record.memberSince,
      paidThrough: record.membershipExpiresOn,
      status: record.isActive ? "A" : "I",
      company: record.companyName,
      title: record.title,
      phones: record.phones.map((phone) => ({ number: phone.number, type: phone.type ?? "Other" })),
    },
    updatedOn,
  );
  const communities = record.communities.map((c) =>
    groupMember(record.memberKey, { groupId: c.communityKey, name: c.name, groupClass: c.type ?? "Other" }, [
      { role: c.role, begin: c.beginDate, end: c.endDate },
    ]),
  );
  const security = record.securityGroups.map((g) =>
    groupMember(record.memberKey, { groupId: g.groupKey, name: g.name, groupClass: SECURITY_GROUP_CLASS }, [
      { role: g.role, begin: g.beginDate, end: g.endDate },
    ]),
  );
  return { party, groupMembers: [...communities, ...security] };
}

export function eventData(
  event: Pick<EventRecord, "eventKey" | "title" | "startsAt"> & Partial<EventRecord>,
  updatedOn: Date,
): Record<string, unknown> {
  return {
    $type: "Asi.Soa.Events.DataContracts.EventData, Asi.Contracts",
    EventId: event.eventKey,
    Name: event.title,
    Description: event.description ?? "",
    StartDateTime: imisTime(event.startsAt),
    EndDateTime: event.endsAt ? imisTime(event.endsAt) : null,
    Status: event.isDeleted ? "X" : "A",
    Category: event.category ? { Name: event.category } : null,
    UpdateInformation: { UpdatedOn: imisTime(updatedOn) },
  };
}
