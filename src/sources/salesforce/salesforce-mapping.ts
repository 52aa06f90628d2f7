import { z } from "zod";

/**
 * Which Salesforce objects and fields hold an association's members, memberships, committees,
 * badges and events. The defaults are Fonteva's managed-package names (OrderApi__, PagesApi__,
 * EventApi__); an org that stores things elsewhere overrides them in a JSON file
 * (`SALESFORCE_MAPPING_FILE`). See README "Salesforce (Fonteva)" for which names are verified.
 *
 * A field is a SOQL field path (`Email`, `Account.Name`, `OrderApi__Item__r.Name`), a list of
 * paths (the first non-blank value wins) or null (not mapped).
 */

const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,4}$/;
const OBJECT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

const fieldPath = z.string().regex(FIELD_PATH, "expected a SOQL field path such as Email or Account.Name");
const objectName = z.string().regex(OBJECT_NAME, "expected an object API name such as Contact");
const fieldRef = z.union([fieldPath, z.array(fieldPath).min(1), z.null()]);
/** Raw SOQL added with AND to the object's queries; the operator's own text, never built from data. */
const whereClause = z.string().trim().min(1).nullable();

export type FieldRef = z.infer<typeof fieldRef>;

const CONTACT_FIELDS = [
  "memberId",
  "prefix",
  "firstName",
  "middleName",
  "lastName",
  "informalName",
  "suffix",
  "designation",
  "email",
  "title",
  "companyName",
  "bio",
  "profileImageUrl",
  "websiteUrl",
  "memberSince",
  "excludeFromDirectory",
  "isActive",
  "street",
  "city",
  "state",
  "postalCode",
  "country",
  "linkedInUrl",
  "facebookUrl",
  "twitterUrl",
  "youTubeUrl",
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

const contactSchema = z.strictObject({
  object: objectName,
  where: whereClause,
  fields: z.strictObject(Object.fromEntries(CONTACT_FIELDS.map((name) => [name, fieldRef])) as Record<ContactField, typeof fieldRef>),
  phones: z.array(z.strictObject({ field: fieldPath, type: z.string().min(1) })).max(4),
});

/** A child object whose rows name their Contact: committee seats, badges, subscriptions. */
const relatedBase = {
  object: objectName,
  /** The lookup to Contact. */
  contactField: fieldPath,
  where: whereClause,
};

const membershipSchema = z.strictObject({
  ...relatedBase,
  /** The member type, e.g. the subscribed item's name. */
  typeField: fieldPath,
  /** A key for the security group each subscription also becomes (e.g. the item's Id). */
  groupKeyField: fieldPath,
  beginField: fieldRef,
  /** Paid through: becomes the membership expiry. */
  endField: fieldPath,
  statusField: fieldRef,
  /** Status values that mean the subscription is current. */
  activeStatuses: z.array(z.string()).min(1),
  /** When a cancelled subscription stopped counting, if before its paid-through date. */
  cancelledField: fieldRef,
});

const groupSchema = z.strictObject({
  ...relatedBase,
  keyField: fieldPath,
  nameField: fieldPath,
  typeField: fieldRef,
  /** The type when no field says (or it is blank). */
  typeValue: z.string().nullable(),
  subTypeField: fieldRef,
  roleField: fieldRef,
  beginField: fieldRef,
  endField: fieldRef,
  /** Rows whose flag is false are left out (a seat marked inactive is no seat). */
  activeField: fieldRef,
});

const eventsSchema = z.strictObject({
  object: objectName,
  where: whereClause,
  fields: z.strictObject({
    title: fieldRef,
    description: fieldRef,
    startsAt: fieldRef,
    endsAt: fieldRef,
    timeZone: fieldRef,
    location: fieldRef,
    url: fieldRef,
    productCode: fieldRef,
    category: fieldRef,
    isMembersOnly: fieldRef,
  }),
  /** Boolean fields that must all be true for the event to be listed; otherwise it reads as deleted. */
  visibleWhen: z.array(fieldPath),
});

export const salesforceMappingSchema = z.strictObject({
  contact: contactSchema,
  membership: membershipSchema.nullable(),
  /** Member types (as the membership's type field names them) reported as the member type "Staff". */
  staffMemberTypes: z.array(z.string()),
  communities: z.array(groupSchema),
  securityGroups: z.array(groupSchema),
  events: eventsSchema.nullable(),
});

export type SalesforceMapping = z.infer<typeof salesforceMappingSchema>;
export type MembershipMapping = NonNullable<SalesforceMapping["membership"]>;
export type GroupMapping = SalesforceMapping["communities"][number];
export type EventsMapping = NonNullable<SalesforceMapping["events"]>;

const unmappedContact = Object.fromEntries(CONTACT_FIELDS.map((name) => [name, null])) as Record<ContactField, FieldRef>;

/** Fonteva's names (see the README for which are verified against public sources). */
export const FONTEVA_MAPPING: SalesforceMapping = {
  contact: {
    object: "Contact",
    where: null,
    fields: {
      ...unmappedContact,
      prefix: "Salutation",
      firstName: "FirstName",
      lastName: "LastName",
      email: ["OrderApi__Preferred_Email__c", "Email"],
      title: "Title",
      companyName: "Account.Name",
      bio: "Description",
      street: "MailingStreet",
      city: "MailingCity",
      state: "MailingState",
      postalCode: "MailingPostalCode",
      country: "MailingCountry",
    },
    phones: [
      { field: "Phone", type: "Work" },
      { field: "MobilePhone", type: "Mobile" },
      { field: "HomePhone", type: "Home" },
      { field: "Fax", type: "Fax" },
    ],
  },
  membership: {
    object: "OrderApi__Subscription__c",
    contactField: "OrderApi__Contact__c",
    where: null,
    typeField: "OrderApi__Item__r.Name",
    groupKeyField: "OrderApi__Item__c",
    beginField: "OrderApi__Activated_Date__c",
    endField: "OrderApi__Paid_Through_Date__c",
    statusField: "OrderApi__Status__c",
    activeStatuses: ["Active"],
    cancelledField: "OrderApi__Cancelled_Date__c",
  },
  staffMemberTypes: [],
  communities: [
    {
      object: "PagesApi__Community_Group_Member__c",
      contactField: "PagesApi__Contact__c",
      where: null,
      keyField: "PagesApi__Community_Group__c",
      nameField: "PagesApi__Community_Group__r.Name",
      typeField: "PagesApi__Community_Group__r.PagesApi__Type__c",
      typeValue: "Community Group",
      subTypeField: null,
      roleField: "PagesApi__Role__c",
      beginField: "PagesApi__Activated_Date__c",
      endField: "PagesApi__Deactivated_Date__c",
      activeField: "PagesApi__Is_Active__c",
    },
  ],
  securityGroups: [
    {
      object: "OrderApi__Badge__c",
      contactField: "OrderApi__Contact__c",
      where: null,
      keyField: "OrderApi__Badge_Type__c",
      nameField: "OrderApi__Badge_Type__r.Name",
      typeField: null,
      typeValue: "Badge",
      subTypeField: null,
      roleField: null,
      beginField: "OrderApi__Awarded_Date__c",
      endField: "OrderApi__Expired_Date__c",
      activeField: "OrderApi__Is_Active__c",
    },
  ],
  events: {
    object: "EventApi__Event__c",
    where: null,
    fields: {
      title: ["EventApi__Display_Name__c", "Name"],
      description: "EventApi__Description__c",
      startsAt: "EventApi__Start_Date_Time__c",
      endsAt: "EventApi__End_Date_Time__c",
      timeZone: "EventApi__Time_Zone__c",
      location: null,
      url: "EventApi__Registration_URL__c",
      productCode: null,
      category: "EventApi__Event_Category__r.Name",
      isMembersOnly: null,
    },
    visibleWhen: ["EventApi__Is_Active__c", "EventApi__Is_Published__c"],
  },
};

export type MappingResult = { ok: true; mapping: SalesforceMapping } | { ok: false; mapping: SalesforceMapping; problems: string[] };

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Objects merge key by key onto the defaults (so a file can change one field); lists and
 * scalars replace; `null` turns a section off.
 */
function mergeOnto(base: unknown, override: unknown): unknown {
  if (!isPlain(base) || !isPlain(override)) return override === undefined ? base : override;
  const merged: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeOnto(base[key], value);
  return merged;
}

/** Reads a mapping file's JSON over the Fonteva defaults; problems name the path at fault. */
export function parseSalesforceMapping(raw: unknown): MappingResult {
  if (!isPlain(raw)) return { ok: false, mapping: FONTEVA_MAPPING, problems: ["expected a JSON object"] };
  const result = salesforceMappingSchema.safeParse(mergeOnto(FONTEVA_MAPPING, raw));
  if (result.success) return { ok: true, mapping: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "the file"}: ${issue.message}`);
  return { ok: false, mapping: FONTEVA_MAPPING, problems };
}
