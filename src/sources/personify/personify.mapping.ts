import fs from "node:fs";
import { z } from "zod";
import { DEFAULT_PERSONIFY_MAPPING } from "./personify-mapping.defaults";

/**
 * Which Personify Data Services entity sets and properties hold what. Entities are designed per
 * site in the Web Services Designer, so every name here is configuration: the defaults
 * ({@link DEFAULT_PERSONIFY_MAPPING}) describe a typical design, and a site's JSON mapping file
 * overrides only what differs. A field set to `null` is not read; an optional entity set to
 * `null` is not queried at all.
 */

/** An OData identifier: it goes into `$filter` and `$select` as is, so nothing else may pass. */
const name = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "expected an OData name (a letter or _, then letters, digits or _)");
const optionalName = () => name().nullable();
/** A fixed `$filter` clause ANDed to every query of the set, e.g. `CommTypeCode eq 'PHONE'`. */
const fixedFilter = () => z.string().trim().min(1).max(1_000).nullable();
const codes = () => z.array(z.string().trim().min(1).max(100)).max(200);

const entity = <F extends z.ZodRawShape, X extends z.ZodRawShape>(fields: F, extra: X) =>
  z.strictObject({
    entitySet: name(),
    filter: fixedFilter(),
    /** Also scope by the configured OrgId/OrgUnitId (see `organization`). */
    orgScoped: z.boolean(),
    fields: z.strictObject(fields),
    ...extra,
  });

const customers = entity(
  {
    masterCustomerId: name(),
    subCustomerId: optionalName(),
    memberId: optionalName(),
    prefix: optionalName(),
    firstName: optionalName(),
    middleName: optionalName(),
    lastName: optionalName(),
    suffix: optionalName(),
    designation: optionalName(),
    informalName: optionalName(),
    labelName: optionalName(),
    recordType: optionalName(),
    status: optionalName(),
    customerClass: optionalName(),
    email: optionalName(),
    companyName: optionalName(),
    title: optionalName(),
    websiteUrl: optionalName(),
    bio: optionalName(),
    profileImageUrl: optionalName(),
    memberSince: optionalName(),
    excludeFromDirectory: optionalName(),
    updatedAt: optionalName(),
  },
  {
    /** Individuals and companies are sub-customer 0; committees and other records are read by key. */
    subCustomerIdValue: z.union([z.number().int(), z.string().max(100)]),
    organizationRecordTypes: codes(),
    activeStatuses: codes(),
  },
);

const owner = { masterCustomerId: name(), subCustomerId: optionalName() };

const addresses = entity(
  {
    ...owner,
    line1: optionalName(),
    line2: optionalName(),
    line3: optionalName(),
    city: optionalName(),
    state: optionalName(),
    postalCode: optionalName(),
    country: optionalName(),
    primary: optionalName(),
    updatedAt: optionalName(),
  },
  {},
);

const phones = entity({ ...owner, number: name(), type: optionalName(), primary: optionalName(), updatedAt: optionalName() }, {});
const emails = entity({ ...owner, address: name(), primary: optionalName(), updatedAt: optionalName() }, {});

const committees = entity(
  {
    committeeMasterCustomerId: name(),
    /** Unset: the name is the committee's own customer record's `labelName` (a join on customers). */
    committeeName: optionalName(),
    subType: optionalName(),
    memberMasterCustomerId: name(),
    memberSubCustomerId: optionalName(),
    role: optionalName(),
    beginDate: optionalName(),
    endDate: optionalName(),
    updatedAt: optionalName(),
  },
  { communityType: z.string().trim().min(1).max(100) },
);

const orders = entity(
  {
    ...owner,
    orderNumber: optionalName(),
    lineNumber: optionalName(),
    productCode: name(),
    productName: optionalName(),
    memberType: name(),
    beginDate: optionalName(),
    endDate: optionalName(),
    status: optionalName(),
    updatedAt: optionalName(),
  },
  { excludedStatuses: codes(), groupType: z.string().trim().min(1).max(100) },
);

const events = entity(
  {
    eventKey: name(),
    productCode: optionalName(),
    title: name(),
    description: optionalName(),
    startsAt: name(),
    endsAt: optionalName(),
    timeZone: optionalName(),
    location: optionalName(),
    url: optionalName(),
    category: optionalName(),
    membersOnly: optionalName(),
    status: optionalName(),
    updatedAt: optionalName(),
  },
  { activeStatuses: codes() },
);

export const personifyMappingSchema = z.strictObject({
  organization: z.strictObject({ orgIdField: optionalName(), orgUnitIdField: optionalName() }),
  customers,
  addresses: addresses.nullable(),
  phones: phones.nullable(),
  emails: emails.nullable(),
  committees: committees.nullable(),
  orders: orders.nullable(),
  events: events.nullable(),
});

export type PersonifyMapping = z.output<typeof personifyMappingSchema>;
export type CustomersMapping = PersonifyMapping["customers"];
export type AddressesMapping = NonNullable<PersonifyMapping["addresses"]>;
export type PhonesMapping = NonNullable<PersonifyMapping["phones"]>;
export type EmailsMapping = NonNullable<PersonifyMapping["emails"]>;
export type CommitteesMapping = NonNullable<PersonifyMapping["committees"]>;
export type OrdersMapping = NonNullable<PersonifyMapping["orders"]>;
export type EventsMapping = NonNullable<PersonifyMapping["events"]>;
/** Any entity's mapping, as the query side sees it. */
export interface EntityMapping {
  entitySet: string;
  filter: string | null;
  orgScoped: boolean;
  fields: Record<string, string | null>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Objects merge key by key; anything else (lists, text, null) replaces what it overrides. */
export function mergeMapping(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = key in base ? mergeMapping(base[key], value) : value;
  return merged;
}

/** The defaults with `override` applied, or every problem found (each naming its path). */
export function resolvePersonifyMapping(
  override: unknown,
): { mapping: PersonifyMapping; problems: [] } | { mapping: null; problems: string[] } {
  if (override !== undefined && !isPlainObject(override)) {
    return { mapping: null, problems: ["the mapping must be a JSON object"] };
  }
  const result = personifyMappingSchema.safeParse(mergeMapping(DEFAULT_PERSONIFY_MAPPING, override ?? {}));
  if (result.success) return { mapping: result.data, problems: [] };
  return {
    mapping: null,
    problems: result.error.issues.map((issue) => `${issue.path.map(String).join(".") || "(top level)"}: ${issue.message}`),
  };
}

/**
 * Reads a site's mapping file (JSON) over the defaults; no file means the defaults. Problems name
 * the file and the path inside it, so a start-up error says exactly what to fix.
 */
export function loadPersonifyMapping(file: string | undefined): { mapping: PersonifyMapping | null; problems: string[] } {
  if (file === undefined) return resolvePersonifyMapping(undefined);
  let override: unknown;
  try {
    override = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
    return { mapping: null, problems: [`PERSONIFY_MAPPING_FILE ${file} could not be read as JSON (${why})`] };
  }
  const resolved = resolvePersonifyMapping(override);
  return { mapping: resolved.mapping, problems: resolved.problems.map((problem) => `PERSONIFY_MAPPING_FILE ${file}: ${problem}`) };
}
