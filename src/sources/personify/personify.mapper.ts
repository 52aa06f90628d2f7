import { toPhoneType } from "../member-info/member-info.mapper";
import type {
  AddressRecord,
  CommunityMembershipRecord,
  EventRecord,
  MemberRecord,
  PhoneRecord,
  SecurityGroupMembershipRecord,
} from "../member-record";
import type { PersonifyMapping } from "./personify.mapping";
import type { PersonifyReaders } from "./personify-readers";

/** The member type a configured staff member type becomes: the default staff group (SYNC_STAFF_GROUPS) names it. */
export const STAFF_MEMBER_TYPE = "Staff";
const MAX_PHONES = 4;

/** One customer and the rows of every related set that belong to it, as fetched. */
export interface CustomerBundle {
  customer: unknown;
  addresses: unknown[];
  phones: unknown[];
  emails: unknown[];
  committees: unknown[];
  orders: unknown[];
  /** Committee names by committee key, from the committees' own customer records. */
  committeeNames: ReadonlyMap<string, string>;
}

export interface PersonifyMapperOptions {
  /** Member types (or customer classes) whose holders are staff. */
  staffMemberTypes: readonly string[];
}

const folded = (text: string | null) => (text ?? "").trim().toLowerCase();
const listed = (list: readonly string[], value: string | null) => value !== null && list.some((entry) => folded(entry) === folded(value));
const primaryFirst = <T extends { primary: boolean | null }>(rows: T[]) =>
  [...rows].sort((a, b) => Number(b.primary === true) - Number(a.primary === true));
const newest = (dates: ReadonlyArray<Date | null>) =>
  dates.reduce<Date | null>((best, date) => (date !== null && (best === null || date > best) ? date : best), null);

/**
 * Turns Personify rows into the canonical records (DESIGN §3). Membership comes from the
 * membership orders: each order that is not excluded (cancelled) is a purchase and a term in the security group
 * of its product; the order ending last decides the member type and `membershipExpiresOn`, so a
 * lapsed order lapses the member; a staff member type (or customer class) becomes the `Staff`
 * member type. Throws `SourceError(CONTRACT_VIOLATION)` naming the bad row and property.
 */
export class PersonifyMapper {
  constructor(
    private readonly mapping: PersonifyMapping,
    private readonly readers: PersonifyReaders,
    private readonly options: PersonifyMapperOptions,
  ) {}

  toMemberRecord(memberKey: string, bundle: CustomerBundle): MemberRecord {
    const rows = this.readBundle(memberKey, bundle);
    const { customer, addresses, phones, emails, orders } = rows;
    const membership = this.membership(orders, customer.customerClass);
    const isOrganization = listed(this.mapping.customers.organizationRecordTypes, customer.recordType);
    return {
      memberKey,
      memberId: customer.memberId ?? memberKey,
      isActive: customer.status === null || listed(this.mapping.customers.activeStatuses, customer.status),
      isOrganization,
      memberType: membership.memberType,
      prefix: customer.prefix,
      firstName: customer.firstName,
      middleName: customer.middleName,
      lastName: customer.lastName,
      informalName: customer.informalName,
      suffix: customer.suffix,
      designation: customer.designation,
      email: primaryFirst(emails).find((row) => row.address !== null)?.address ?? customer.email,
      phones: primaryFirst(phones)
        .filter((row) => row.number !== null)
        .slice(0, MAX_PHONES)
        .map((row): PhoneRecord => ({ number: row.number!, type: toPhoneType(row.type) })),
      address: toAddress(primaryFirst(addresses)[0]),
      websiteUrl: customer.websiteUrl,
      socialLinks: [],
      companyName: customer.companyName ?? (isOrganization ? customer.labelName : null),
      title: customer.title,
      bio: customer.bio,
      profileImageUrl: customer.profileImageUrl,
      memberSince: customer.memberSince ?? membership.firstBegin,
      membershipExpiresOn: membership.expiresOn,
      excludeFromDirectory: customer.excludeFromDirectory ?? false,
      demographics: [],
      communities: this.communities(rows.committees, bundle.committeeNames),
      securityGroups: this.securityGroups(orders),
      purchases: orders.map((row) => ({
        productCode: row.productCode!,
        productName: row.productName,
        orderDate: null,
        status: row.status,
        quantity: 1,
        termBegin: row.beginDate,
        termEnd: row.endDate,
      })),
      sourceUpdatedAt: newest([customer, ...addresses, ...phones, ...emails, ...rows.committees, ...orders].map((row) => row.updatedAt)),
    };
  }

  /** Every row of the bundle through its reader; excluded (cancelled) order lines are dropped here. */
  private readBundle(memberKey: string, bundle: CustomerBundle) {
    const subject = (set: string) => `${set} row for member "${memberKey}"`;
    const read = <T>(reader: { read(row: unknown, subject: string, key?: string): T } | null, set: string | undefined, rows: unknown[]) =>
      reader && set ? rows.map((row) => reader.read(row, subject(set), memberKey)) : [];
    const { mapping, readers } = this;
    return {
      customer: readers.customers.read(bundle.customer, subject(mapping.customers.entitySet), memberKey),
      addresses: read(readers.addresses, mapping.addresses?.entitySet, bundle.addresses),
      phones: read(readers.phones, mapping.phones?.entitySet, bundle.phones),
      emails: read(readers.emails, mapping.emails?.entitySet, bundle.emails),
      committees: read(readers.committees, mapping.committees?.entitySet, bundle.committees),
      orders: read(readers.orders, mapping.orders?.entitySet, bundle.orders).filter(
        (order) => !listed(mapping.orders?.excludedStatuses ?? [], order.status),
      ),
    };
  }

  private communities(
    seats: ReturnType<PersonifyMapper["readBundle"]>["committees"],
    names: ReadonlyMap<string, string>,
  ): CommunityMembershipRecord[] {
    return seats.map((row) => ({
      communityKey: row.committeeMasterCustomerId!,
      name: row.committeeName ?? names.get(row.committeeMasterCustomerId!) ?? row.committeeMasterCustomerId!,
      type: this.mapping.committees!.communityType,
      subType: row.subType,
      parentKey: null,
      role: row.role,
      sinceDate: null,
      beginDate: row.beginDate,
      endDate: row.endDate,
    }));
  }

  /** Each order line is a term in its product's group, with the member type as role. */
  private securityGroups(orders: ReturnType<PersonifyMapper["readBundle"]>["orders"]): SecurityGroupMembershipRecord[] {
    const groupType = this.mapping.orders?.groupType ?? "";
    return orders.map((row) => ({
      groupKey: `${groupType}:${row.productCode!}`,
      name: row.productName ?? row.productCode!,
      type: groupType,
      role: row.memberType,
      beginDate: row.beginDate,
      endDate: row.endDate,
    }));
  }

  /** The governing order is the one ending last (open-ended counts as last; ties go to the later start). */
  private membership(
    orders: ReadonlyArray<{ memberType: string | null; beginDate: string | null; endDate: string | null }>,
    customerClass: string | null,
  ): { memberType: string | null; expiresOn: string | null; firstBegin: string | null } {
    const end = (day: string | null) => day ?? "9999-12-31";
    const governing = [...orders].sort(
      (a, b) => end(b.endDate).localeCompare(end(a.endDate)) || end(b.beginDate).localeCompare(end(a.beginDate)),
    )[0];
    const firstBegin =
      orders
        .map((order) => order.beginDate)
        .filter((day): day is string => day !== null)
        .sort()[0] ?? null;
    const memberType = governing?.memberType ?? null;
    const staff = listed(this.options.staffMemberTypes, memberType) || listed(this.options.staffMemberTypes, customerClass);
    return { memberType: staff ? STAFF_MEMBER_TYPE : memberType, expiresOn: governing?.endDate ?? null, firstBegin };
  }

  toEventRecord(row: unknown, eventKey: string | null): EventRecord {
    const events = this.mapping.events!;
    const subject = eventKey === null ? `${events.entitySet} row` : `${events.entitySet} row for event "${eventKey}"`;
    const event = this.readers.events!.read(row, subject);
    return {
      eventKey: event.eventKey!,
      title: event.title!,
      description: event.description,
      startsAt: event.startsAt!,
      endsAt: event.endsAt,
      timeZone: event.timeZone,
      location: event.location,
      url: event.url,
      productCode: event.productCode,
      category: event.category,
      isMembersOnly: event.membersOnly ?? false,
      // A product no longer active is withdrawn: the cache keeps it, marked deleted.
      isDeleted: event.status !== null && events.activeStatuses.length > 0 && !listed(events.activeStatuses, event.status),
      sourceUpdatedAt: event.updatedAt,
    };
  }
}

function toAddress(
  row:
    | {
        line1: string | null;
        line2: string | null;
        line3: string | null;
        city: string | null;
        state: string | null;
        postalCode: string | null;
        country: string | null;
      }
    | undefined,
): AddressRecord {
  return {
    line1: row?.line1 ?? null,
    line2: row?.line2 ?? null,
    line3: row?.line3 ?? null,
    city: row?.city ?? null,
    stateProvince: row?.state ?? null,
    postalCode: row?.postalCode ?? null,
    country: row?.country ?? null,
  };
}
