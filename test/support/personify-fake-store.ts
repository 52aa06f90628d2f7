import { DEFAULT_PERSONIFY_MAPPING as M } from "../../src/sources/personify/personify-mapping.defaults";
import type { Row } from "./personify-odata-filter";

/** A membership order line, as a test describes it; days are `YYYY-MM-DD`. */
export interface FakeOrder {
  productCode: string;
  memberType: string;
  begin: string | null;
  end: string | null;
  status?: string;
  orderNumber?: string;
}

export interface FakeCommitteeSeat {
  committeeId: string;
  role?: string | null;
  begin?: string | null;
  end?: string | null;
}

/** One Personify customer and everything hanging off it, in a test's words. */
export interface FakeMember {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  prefix?: string | null;
  email?: string | null;
  phones?: Array<{ number: string; type: string; primary?: boolean }>;
  address?: { line1: string; city: string; state?: string; postalCode?: string; country?: string } | null;
  /** CustomerStatusCode; ACTIVE by default. */
  status?: string;
  /** RecordType; I (individual) by default. */
  recordType?: string;
  customerClass?: string | null;
  labelName?: string | null;
  committees?: FakeCommitteeSeat[];
  orders?: FakeOrder[];
  /** ModDate of every row written for this member. */
  updatedAt: Date | string;
  /** Merged into the customer row as is: a way to plant a malformed value. */
  customerExtra?: Row;
}

const day = (text: string | null | undefined) => (text ? new Date(`${text}T00:00:00Z`) : null);
const SETS = {
  customers: M.customers.entitySet,
  addresses: M.addresses!.entitySet,
  phones: M.phones!.entitySet,
  emails: M.emails!.entitySet,
  committees: M.committees!.entitySet,
  orders: M.orders!.entitySet,
  events: M.events!.entitySet,
} as const;

/** The property names each entity type declares: the default mapping's, and the organization's on org-scoped sets. */
export const FAKE_PROPERTIES: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.values(M)
    .filter((entity): entity is NonNullable<typeof M.customers> => entity !== null && "entitySet" in entity)
    .map((entity) => {
      const names = Object.values(entity.fields as Record<string, string | null>).filter((name): name is string => name !== null);
      if (entity.orgScoped) names.push(M.organization.orgIdField!, M.organization.orgUnitIdField!);
      return [entity.entitySet, new Set(names)];
    }),
);

/**
 * The mutable association behind the fake Personify Data Services: rows per entity set, in the
 * property names of the default mapping, with dates as `Date` (serialized per wire format).
 */
export class PersonifyFakeStore {
  readonly sets = new Map<string, Row[]>(Object.values(SETS).map((set) => [set, []]));
  org = { id: "ORG", unit: "UNIT" };
  /** Members put so far: a new one needs no removal pass over every set (seeding 10,000 stays linear). */
  private readonly memberIds = new Set<string>();

  rows(set: string): Row[] {
    return this.sets.get(set) ?? [];
  }

  /** Replaces the customer and every row of its related sets. */
  putMember(member: FakeMember): this {
    if (this.memberIds.has(member.id)) this.removeMember(member.id);
    this.memberIds.add(member.id);
    const at = new Date(member.updatedAt);
    const owner = { [M.customers.fields.masterCustomerId]: member.id, [M.customers.fields.subCustomerId!]: 0 };
    this.rows(SETS.customers).push({
      ...owner,
      FirstName: member.firstName ?? null,
      LastName: member.lastName ?? null,
      NamePrefix: member.prefix ?? null,
      LabelName: member.labelName ?? [member.firstName, member.lastName].filter(Boolean).join(" "),
      RecordType: member.recordType ?? "I",
      CustomerStatusCode: member.status ?? "ACTIVE",
      CustomerClassCode: member.customerClass ?? "INDIV",
      ModDate: at,
      ...member.customerExtra,
    });
    if (member.email) this.rows(SETS.emails).push({ ...owner, EmailAddress: member.email, PrimaryFlag: true, ModDate: at });
    for (const [index, phone] of (member.phones ?? []).entries()) {
      this.rows(SETS.phones).push({
        ...owner,
        PhoneNumber: phone.number,
        PhoneLocationCode: phone.type,
        PrimaryFlag: phone.primary ?? index === 0,
        ModDate: at,
      });
    }
    if (member.address) {
      const { line1, city, state = null, postalCode = null, country = "USA" } = member.address;
      this.rows(SETS.addresses).push({
        ...owner,
        Address1: line1,
        City: city,
        State: state,
        PostalCode: postalCode,
        CountryCode: country,
        PrimaryFlag: true,
        ModDate: at,
      });
    }
    for (const seat of member.committees ?? []) {
      this.rows(SETS.committees).push({
        CommitteeMasterCustomer: seat.committeeId,
        MemberMasterCustomer: member.id,
        MemberSubCustomer: 0,
        PositionCode: seat.role ?? "MEMBER",
        BeginDate: day(seat.begin),
        EndDate: day(seat.end),
        ModDate: at,
      });
    }
    for (const [index, order] of (member.orders ?? []).entries()) {
      this.rows(SETS.orders).push({
        ShipMasterCustomerId: member.id,
        ShipSubCustomerId: 0,
        OrderNumber: order.orderNumber ?? `${member.id}-${index + 1}`,
        OrderLineNumber: 1,
        ProductCode: order.productCode,
        MemberType: order.memberType,
        CycleBeginDate: day(order.begin),
        CycleEndDate: day(order.end),
        LineStatusCode: order.status ?? "A",
        ModDate: at,
        OrganizationId: this.org.id,
        OrganizationUnitId: this.org.unit,
      });
    }
    return this;
  }

  /** Deletes the customer and its rows, as a purge in Personify would. */
  removeMember(id: string): this {
    this.memberIds.delete(id);
    const owned = (field: string) => (row: Row) => row[field] !== id;
    this.filter(SETS.customers, owned(M.customers.fields.masterCustomerId));
    for (const set of [SETS.addresses, SETS.phones, SETS.emails]) this.filter(set, owned("MasterCustomerId"));
    this.filter(SETS.committees, owned("MemberMasterCustomer"));
    this.filter(SETS.orders, owned("ShipMasterCustomerId"));
    return this;
  }

  /** A committee is a customer record of its own (RecordType T); members point at it. */
  putCommittee(id: string, name: string, updatedAt: Date | string = "2026-01-01T00:00:00Z"): this {
    this.filter(SETS.customers, (row) => row.MasterCustomerId !== id);
    this.rows(SETS.customers).push({
      MasterCustomerId: id,
      SubCustomerId: 0,
      LabelName: name,
      RecordType: "T",
      CustomerStatusCode: "ACTIVE",
      ModDate: new Date(updatedAt),
    });
    return this;
  }

  /** A meeting product; `row` may override or add any property. */
  putEvent(id: number, row: Row): this {
    this.filter(SETS.events, (existing) => existing.ProductId !== id);
    this.rows(SETS.events).push({
      ProductId: id,
      ProductStatusCode: "A",
      OrganizationId: this.org.id,
      OrganizationUnitId: this.org.unit,
      ...row,
    });
    return this;
  }

  /** Edits rows of a set in place (e.g. to change a single value or bump ModDate). */
  update(set: string, match: (row: Row) => boolean, change: Row): number {
    let changed = 0;
    for (const row of this.rows(set)) {
      if (match(row)) {
        Object.assign(row, change);
        changed += 1;
      }
    }
    return changed;
  }

  private filter(set: string, keep: (row: Row) => boolean): void {
    this.sets.set(set, this.rows(set).filter(keep));
  }
}

export { SETS as FAKE_ENTITY_SETS };
