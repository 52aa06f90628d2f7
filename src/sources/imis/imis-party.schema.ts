import { z } from "zod";
import { flag, optionalDay, optionalInstant, optionalKey, optionalText, requiredKey } from "../member-info/wire-values";
import { imisList, imisTyped, propertyBag } from "./imis-envelope";

/**
 * PartyData (PersonData or OrganizationData) as `GET /api/Party` returns it, read with the
 * same leaf parsers (and column bounds) as every other source. Unknown fields are dropped;
 * every collection is read through the envelope helper.
 */

const text = (maxChars?: number) => imisTyped(optionalText(maxChars));

const personNameSchema = z
  .object({
    NamePrefix: text(32),
    FirstName: text(100),
    MiddleName: text(100),
    LastName: text(100),
    NameSuffix: text(32),
    InformalName: text(100),
    Designation: text(100),
  })
  .nullish();

const emailSchema = z.object({
  Address: text(320),
  EmailType: text(),
  IsPrimary: imisTyped(flag(false)),
});

const phoneSchema = z.object({
  Number: imisTyped(optionalText(64, true)),
  PhoneType: text(),
});

const addressSchema = z.object({
  Address: z
    .object({
      AddressLines: imisList(text(200)),
      CityName: text(100),
      CountrySubEntityCode: text(100),
      CountrySubEntityName: text(100),
      PostalCode: imisTyped(optionalText(32, true)),
      CountryCode: text(100),
      CountryName: text(100),
    })
    .nullish(),
  AddressPurpose: text(),
});

/** iMIS sends the status as PartyStatusData; a bare code is read as its id. */
const statusSchema = z.preprocess(
  (value) => (typeof value === "string" ? { PartyStatusId: value } : value),
  z.object({ PartyStatusId: text(), Name: text(), ActiveStatus: text() }).nullish(),
);

/** The membership fields, read from AdditionalAttributes under the configured names. */
export interface MembershipAttributeNames {
  memberTypeAttribute: string;
  paidThroughAttribute: string;
  joinDateAttribute: string;
}

/** The Party schema for one site's attribute names. */
export function partySchema(names: MembershipAttributeNames) {
  const membership = z.object({
    [names.memberTypeAttribute]: imisTyped(optionalText(100)),
    [names.paidThroughAttribute]: imisTyped(optionalDay()),
    [names.joinDateAttribute]: imisTyped(optionalDay()),
  });
  return z.object({
    $type: z.unknown().optional(),
    PartyId: imisTyped(requiredKey()),
    Id: imisTyped(optionalKey()),
    Name: text(200),
    OrganizationName: text(200),
    PersonName: personNameSchema,
    Email: text(320),
    Emails: imisList(emailSchema),
    Phones: imisList(phoneSchema),
    Addresses: imisList(addressSchema),
    PrimaryOrganization: z.object({ OrganizationPartyId: imisTyped(optionalKey()), Name: text(200), Title: text(200) }).nullish(),
    Status: statusSchema,
    UpdateInformation: z.object({ UpdatedOn: imisTyped(optionalInstant()) }).nullish(),
    AdditionalAttributes: z.preprocess((value) => propertyBag(value ?? []), membership),
  });
}

export type ParsedParty = z.output<ReturnType<typeof partySchema>>;
