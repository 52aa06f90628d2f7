import type { MemberRecord } from "../../src/sources/member-record";
import type { FakeMember } from "./personify-fake-store";

/**
 * A canonical record as the fake Personify would hold it: customer, e-mail, phones, primary
 * address, committee seats (communities of type Committee) and one membership order spanning
 * its membership. What Personify's default mapping has no set for (chapters, interest groups,
 * demographics, social links) is left out.
 */
export function fakeMemberFromRecord(record: MemberRecord, updatedAt: Date): FakeMember {
  const address =
    record.address.line1 && record.address.city
      ? {
          line1: record.address.line1,
          city: record.address.city,
          state: record.address.stateProvince ?? undefined,
          postalCode: record.address.postalCode ?? undefined,
          country: record.address.country ?? undefined,
        }
      : null;
  const staff = record.memberType === "Staff";
  const expires = record.membershipExpiresOn;
  return {
    id: record.memberKey,
    firstName: record.firstName,
    lastName: record.lastName,
    prefix: record.prefix,
    email: record.email,
    phones: record.phones.map((phone) => ({ number: phone.number, type: phone.type ?? "OTHER" })),
    address,
    status: record.isActive ? "ACTIVE" : "INACTIVE",
    recordType: record.isOrganization ? "C" : "I",
    customerClass: staff ? "STAFF" : "INDIV",
    labelName: record.isOrganization ? record.companyName : undefined,
    committees: record.communities
      .filter((community) => community.type === "Committee")
      .map((community) => ({
        committeeId: community.communityKey,
        role: community.role,
        begin: community.beginDate,
        end: community.endDate,
      })),
    orders:
      record.memberType && !staff && expires
        ? [{ productCode: record.memberType.toUpperCase(), memberType: record.memberType, begin: record.memberSince, end: expires }]
        : [],
    updatedAt,
  };
}

/** Every committee the records sit on, by key, with its name. */
export function committeesOf(records: Iterable<MemberRecord>): Map<string, string> {
  const committees = new Map<string, string>();
  for (const record of records) {
    for (const community of record.communities) if (community.type === "Committee") committees.set(community.communityKey, community.name);
  }
  return committees;
}
