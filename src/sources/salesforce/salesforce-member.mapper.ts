import type { MemberRecord } from "../member-record";
import { fromMemberInfo } from "../member-info/member-info.mapper";
import { parseWireDate } from "../member-info/wire-dates";
import { readPath, readRef, type SoqlRecord } from "./salesforce-fields";
import type { GroupMapping, MembershipMapping, SalesforceMapping } from "./salesforce-mapping";

/** A Contact with the rows of its related objects, as one batch fetch gathered them. */
export interface ContactBundle {
  contact: SoqlRecord;
  memberships: SoqlRecord[];
  communities: Array<{ mapping: GroupMapping; row: SoqlRecord }>;
  securityGroups: Array<{ mapping: GroupMapping; row: SoqlRecord }>;
}

const ADDRESS_LINES = 3;

/**
 * One Contact and its rows as the canonical record. The Salesforce names are first put into the
 * MemberInfo shape (contract §2) and read by the same validating mapper as every other source,
 * so a bad value fails this member alone with a message naming the field and what came back.
 */
export function toMemberRecord(bundle: ContactBundle, mapping: SalesforceMapping): MemberRecord {
  const { contact } = bundle;
  const fields = mapping.contact.fields;
  const get = (name: keyof typeof fields) => readRef(contact, fields[name]);
  const membership = mapping.membership ? currentMembership(bundle.memberships, mapping.membership) : null;
  const memberType =
    membership?.type == null ? null : mapping.staffMemberTypes.includes(String(membership.type)) ? "Staff" : membership.type;
  const details: Record<string, unknown> = {
    LegacyContactKey: contact.Id,
    MemberId: get("memberId"),
    MemberType: memberType,
    PrefixCode: get("prefix"),
    FirstName: get("firstName"),
    MiddleName: get("middleName"),
    LastName: get("lastName"),
    InformalName: get("informalName"),
    SuffixCode: get("suffix"),
    Designation: get("designation"),
    EmailAddress: get("email"),
    Title: get("title"),
    CompanyName: get("companyName"),
    Bio: get("bio"),
    ProfileImageURL: get("profileImageUrl"),
    WebsiteUrl: get("websiteUrl"),
    LinkedInURL: get("linkedInUrl"),
    FacebookURL: get("facebookUrl"),
    TwitterURL: get("twitterUrl"),
    YouTubeURL: get("youTubeUrl"),
    MemberSince: get("memberSince") ?? membership?.since ?? null,
    MemberExpiresOn: membership?.expiresOn ?? null,
    ExcludeFromDirectory: get("excludeFromDirectory"),
    IsActive: fields.isActive === null ? true : get("isActive"),
    ...streetLines(get("street")),
    City: get("city"),
    State: get("state"),
    PostalCode: get("postalCode"),
    Country: get("country"),
    LastUpdated: newestModstamp(bundle),
  };
  mapping.contact.phones.forEach((phone, index) => {
    details[`Phone${index + 1}`] = readPath(contact, phone.field) ?? null;
    details[`Phone${index + 1}Type`] = phone.type;
  });
  return fromMemberInfo({
    MemberDetails: details,
    CommunityGroups: bundle.communities
      .filter(({ mapping: m, row }) => isActiveRow(m, row))
      .map(({ mapping: m, row }) => groupEntry(m, row, true)),
    SecurityGroups: [
      ...(mapping.membership ? bundle.memberships.map((row) => subscriptionGroup(mapping.membership!, row)) : []),
      ...bundle.securityGroups.filter(({ mapping: m, row }) => isActiveRow(m, row)).map(({ mapping: m, row }) => groupEntry(m, row, false)),
    ],
  });
}

/** Multi-line street text (MailingStreet) split over the three address lines; extra lines join the last. */
function streetLines(street: unknown): Record<string, unknown> {
  if (typeof street !== "string") return { Address1: street, Address2: null, Address3: null };
  const lines = street
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const head = lines.slice(0, ADDRESS_LINES - 1);
  const tail = lines.slice(ADDRESS_LINES - 1).join(", ");
  return { Address1: head[0] ?? null, Address2: head[1] ?? null, Address3: tail === "" ? null : tail };
}

interface Membership {
  type: unknown;
  since: unknown;
  expiresOn: unknown;
}

/**
 * The member type and expiry come from one subscription: the current one (status listed as
 * active) that is paid furthest ahead, else the one that was paid furthest ahead. A subscription
 * that is not current ends at its cancellation when that came first. Member since is the earliest
 * activation of any.
 */
function currentMembership(rows: SoqlRecord[], mapping: MembershipMapping): Membership | null {
  if (rows.length === 0) return null;
  const active = (row: SoqlRecord) => mapping.activeStatuses.includes(String(readRef(row, mapping.statusField) ?? ""));
  const paidThrough = (row: SoqlRecord) => String(readPath(row, mapping.endField) ?? "");
  const ordered = [...rows].sort(
    (a, b) =>
      Number(active(b)) - Number(active(a)) || paidThrough(b).localeCompare(paidThrough(a)) || String(a.Id).localeCompare(String(b.Id)),
  );
  const chosen = ordered[0]!;
  const begins = rows
    .map((row) => readRef(row, mapping.beginField))
    .filter((value): value is string => typeof value === "string")
    .sort();
  return {
    type: readPath(chosen, mapping.typeField) ?? null,
    since: begins[0] ?? null,
    expiresOn: termEnd(chosen, mapping, active(chosen)),
  };
}

function termEnd(row: SoqlRecord, mapping: MembershipMapping, current: boolean): unknown {
  const paid = readPath(row, mapping.endField) ?? null;
  const cancelled = current ? null : readRef(row, mapping.cancelledField);
  if (typeof paid === "string" && typeof cancelled === "string" && dayOf(cancelled) < dayOf(paid)) return cancelled;
  return paid;
}

/** Each subscription is also a security group (keyed by what it subscribes to), with its term. */
function subscriptionGroup(mapping: MembershipMapping, row: SoqlRecord): Record<string, unknown> {
  const current = mapping.activeStatuses.includes(String(readRef(row, mapping.statusField) ?? ""));
  return {
    GroupKey: readPath(row, mapping.groupKeyField),
    GroupName: readPath(row, mapping.typeField),
    GroupType: "Subscription",
    BeginDate: readRef(row, mapping.beginField),
    EndDate: termEnd(row, mapping, current),
  };
}

function groupEntry(mapping: GroupMapping, row: SoqlRecord, community: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    GroupKey: readPath(row, mapping.keyField),
    GroupName: readPath(row, mapping.nameField),
    GroupType: readRef(row, mapping.typeField) ?? mapping.typeValue,
    RoleDescription: readRef(row, mapping.roleField),
    BeginDate: readRef(row, mapping.beginField),
    EndDate: readRef(row, mapping.endField),
  };
  if (community) entry.GroupSubType = readRef(row, mapping.subTypeField);
  return entry;
}

/** A row whose active flag is false is no seat; a row with no such field or flag counts. */
function isActiveRow(mapping: GroupMapping, row: SoqlRecord): boolean {
  return mapping.activeField === null || readRef(row, mapping.activeField) !== false;
}

/** The newest SystemModstamp of the Contact and its rows: the record's own change time. */
function newestModstamp(bundle: ContactBundle): unknown {
  const stamps = [
    bundle.contact,
    ...bundle.memberships,
    ...bundle.communities.map((c) => c.row),
    ...bundle.securityGroups.map((g) => g.row),
  ].map((row) => row.SystemModstamp);
  let newest: { text: unknown; ms: number } | null = null;
  for (const stamp of stamps) {
    const parsed = typeof stamp === "string" ? parseWireDate(stamp) : null;
    const ms = parsed?.ok && parsed.value ? parsed.value.instant.getTime() : Number.NaN;
    // A stamp that does not parse is handed on as it is, so the validating mapper names it.
    if (Number.isNaN(ms)) return stamp ?? null;
    if (newest === null || ms > newest.ms) newest = { text: stamp, ms };
  }
  return newest?.text ?? null;
}

function dayOf(text: string): string {
  return text.slice(0, 10);
}
