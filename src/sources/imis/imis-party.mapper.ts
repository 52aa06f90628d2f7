import type { ImisSourceConfig } from "../../config/imis.config";
import { parseOrThrow } from "../member-info/contract-violation";
import { toPhoneType } from "../member-info/member-info.mapper";
import type { AddressRecord, MemberRecord, PhoneRecord, SecurityGroupMembershipRecord } from "../member-record";
import { typedValue } from "./imis-envelope";
import { type ParsedParty, partySchema } from "./imis-party.schema";

/** What reading a Party needs from the configuration. */
export type ImisPartyRules = Pick<
  ImisSourceConfig,
  "staffTypes" | "memberTypeAttribute" | "paidThroughAttribute" | "joinDateAttribute" | "activeStatuses"
>;

/** The AMS security group a staff member type grants; its name matches the default `SYNC_STAFF_GROUPS`. */
export const IMIS_STAFF_GROUP: Omit<SecurityGroupMembershipRecord, "role" | "beginDate" | "endDate"> = {
  groupKey: "IMIS-STAFF",
  name: "Staff",
  type: "Staff",
};

const MAX_PHONES = 4;
const folded = (text: string | null | undefined) => (text ?? "").trim().toLowerCase();

/** The party id of a raw Party, read leniently before validation so an error can name it. */
export function peekPartyId(raw: unknown): string | null {
  const id = typeof raw === "object" && raw !== null ? typedValue((raw as Record<string, unknown>).PartyId) : undefined;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return typeof id === "string" && id.trim() !== "" ? id.trim() : null;
}

/** The Party's last change (UpdateInformation.UpdatedOn) as sent, for the change listing; null when absent. */
export function peekUpdatedOn(raw: unknown): string | null {
  const info = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).UpdateInformation : undefined;
  const updated = typeof info === "object" && info !== null ? typedValue((info as Record<string, unknown>).UpdatedOn) : undefined;
  return typeof updated === "string" && updated.trim() !== "" ? updated.trim() : null;
}

/**
 * Reads Parties into canonical records (without group memberships, which come from
 * `/api/GroupMember`). Throws `SourceError(CONTRACT_VIOLATION)` naming each bad field.
 */
export class ImisPartyMapper {
  private readonly schema;
  private readonly staffTypes: Set<string>;
  private readonly activeStatuses: Set<string>;

  constructor(private readonly rules: ImisPartyRules) {
    this.schema = partySchema(rules);
    this.staffTypes = new Set(rules.staffTypes.map(folded));
    this.activeStatuses = new Set(rules.activeStatuses.map(folded));
  }

  read(raw: unknown): MemberRecord {
    const partyId = peekPartyId(raw) ?? undefined;
    const party = parseOrThrow(this.schema, raw, partyId === undefined ? "Party" : `Party "${partyId}"`, partyId);
    const isOrganization = typeof party.$type === "string" && party.$type.includes("OrganizationData");
    const name = party.PersonName;
    const attributes = party.AdditionalAttributes;
    const memberType = (attributes[this.rules.memberTypeAttribute] as string | null) ?? null;
    return {
      memberKey: party.PartyId,
      memberId: party.Id ?? party.PartyId,
      isActive: this.isActive(party),
      isOrganization,
      memberType,
      prefix: name?.NamePrefix ?? null,
      firstName: isOrganization ? null : (name?.FirstName ?? null),
      middleName: name?.MiddleName ?? null,
      lastName: isOrganization ? null : (name?.LastName ?? null),
      informalName: name?.InformalName ?? null,
      suffix: name?.NameSuffix ?? null,
      designation: name?.Designation ?? null,
      email: primaryEmail(party),
      phones: phonesOf(party),
      address: addressOf(party),
      websiteUrl: null,
      socialLinks: [],
      companyName: isOrganization ? (party.OrganizationName ?? party.Name) : (party.PrimaryOrganization?.Name ?? null),
      title: party.PrimaryOrganization?.Title ?? null,
      bio: null,
      profileImageUrl: null,
      memberSince: (attributes[this.rules.joinDateAttribute] as string | null) ?? null,
      membershipExpiresOn: (attributes[this.rules.paidThroughAttribute] as string | null) ?? null,
      excludeFromDirectory: false,
      demographics: [],
      communities: [],
      securityGroups: this.staffTypes.has(folded(memberType)) ? [{ ...IMIS_STAFF_GROUP, role: null, beginDate: null, endDate: null }] : [],
      sourceUpdatedAt: party.UpdateInformation?.UpdatedOn ?? null,
    };
  }

  /** A party with no status is one iMIS still holds; otherwise its status id, name or ActiveStatus must be listed. */
  private isActive(party: ParsedParty): boolean {
    const status = party.Status;
    if (!status || (status.PartyStatusId === null && status.Name === null && status.ActiveStatus === null)) return true;
    return [status.PartyStatusId, status.Name, status.ActiveStatus].some((word) => word !== null && this.activeStatuses.has(folded(word)));
  }
}

function primaryEmail(party: ParsedParty): string | null {
  const withAddress = party.Emails.filter((email) => email.Address !== null);
  return (withAddress.find((email) => email.IsPrimary) ?? withAddress[0])?.Address ?? party.Email;
}

/** iMIS phone types read like "_Work Phone" or "Mobile"; the common words are matched without the decoration. */
function phoneTypeWord(type: string | null): string | null {
  if (type === null) return null;
  return (
    type
      .replace(/^_+/, "")
      .replace(/\s*phone$/i, "")
      .trim() || type
  );
}

function phonesOf(party: ParsedParty): PhoneRecord[] {
  return party.Phones.flatMap((phone): PhoneRecord[] =>
    phone.Number === null ? [] : [{ number: phone.Number, type: toPhoneType(phoneTypeWord(phone.PhoneType)) }],
  ).slice(0, MAX_PHONES);
}

/** The first address the Party lists; which one is preferred is not in the documented contract (README). */
function addressOf(party: ParsedParty): AddressRecord {
  const address = party.Addresses.find((entry) => entry.Address)?.Address;
  const lines = (address?.AddressLines ?? []).filter((line): line is string => line !== null);
  return {
    line1: lines[0] ?? null,
    line2: lines[1] ?? null,
    line3: lines[2] ?? null,
    city: address?.CityName ?? null,
    stateProvince: address?.CountrySubEntityCode ?? address?.CountrySubEntityName ?? null,
    postalCode: address?.PostalCode ?? null,
    country: address?.CountryCode ?? address?.CountryName ?? null,
  };
}
