import { exportPKCS8, generateKeyPair, type KeyLike } from "jose";
import { type SalesforceSourceConfig, SecretText } from "../../src/config/salesforce.config";
import { FONTEVA_MAPPING, type SalesforceMapping } from "../../src/sources/salesforce/salesforce-mapping";
import type { FakeOrg } from "./fake-salesforce-org";
import type { FakeSalesforce } from "./fake-salesforce";

export const CLIENT_ID = "3MVG9fake.connected.app";
export const CLIENT_SECRET = "fake-client-secret-0123456789";
export const INTEGRATION_USER = "integration@association.example.org";

/** An RS256 key pair made in the test, as a connected app's certificate would hold. */
export async function testKeyPair(): Promise<{ publicKey: KeyLike; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { publicKey, privateKeyPem: await exportPKCS8(privateKey) };
}

/** Source settings pointing at a fake org (client credentials unless a private key is given). */
export function salesforceConfig(
  fake: FakeSalesforce,
  overrides: Partial<SalesforceSourceConfig> & { privateKeyPem?: string; mapping?: SalesforceMapping } = {},
): SalesforceSourceConfig {
  const { privateKeyPem, ...rest } = overrides;
  return {
    loginUrl: fake.url,
    clientId: CLIENT_ID,
    grant: privateKeyPem
      ? { kind: "jwt_bearer", privateKeyPem: new SecretText(privateKeyPem), username: INTEGRATION_USER, audience: fake.url }
      : { kind: "client_credentials", clientSecret: new SecretText(CLIENT_SECRET) },
    apiVersion: "62.0",
    mapping: FONTEVA_MAPPING,
    timeoutMs: 2_000,
    retries: 2,
    retryBaseMs: 0,
    limitBackoffMs: 60_000,
    limitWarnShare: 0.8,
    writeback: null,
    ...rest,
  };
}

/** One Fonteva member, in the terms an association uses. */
export interface FontevaMember {
  firstName: string;
  lastName: string;
  email?: string | null;
  company?: string;
  street?: string;
  city?: string;
  phone?: string;
  /** The membership item (member type) and its term. */
  membership?: { item: string; activated: string; paidThrough: string; status?: string; cancelled?: string };
  committees?: Array<{ name: string; type?: string; role?: string; activated?: string; deactivated?: string; active?: boolean }>;
  badges?: Array<{ name: string; awarded?: string; expired?: string; active?: boolean }>;
}

/** Shared records (items, groups, badge types, accounts) are made once per org, by name. */
const lookups = new WeakMap<FakeOrg, Map<string, string>>();

function named(org: FakeOrg, object: string, name: string, extra: Record<string, unknown> = {}): string {
  let known = lookups.get(org);
  if (!known) lookups.set(org, (known = new Map()));
  const key = `${object}:${name}`;
  if (!known.has(key)) known.set(key, org.insert(object, { Name: name, ...extra }));
  return known.get(key)!;
}

/** Writes a member as Fonteva stores one: Contact, Subscription, Community Group Members, Badges. */
export function seedMember(org: FakeOrg, member: FontevaMember): string {
  const contactId = org.insert("Contact", {
    FirstName: member.firstName,
    LastName: member.lastName,
    Email: member.email ?? null,
    OrderApi__Preferred_Email__c: member.email ?? null,
    AccountId: member.company ? named(org, "Account", member.company) : null,
    MailingStreet: member.street ?? null,
    MailingCity: member.city ?? null,
    Phone: member.phone ?? null,
  });
  if (member.membership) addSubscription(org, contactId, member.membership);
  for (const committee of member.committees ?? []) {
    org.insert("PagesApi__Community_Group_Member__c", {
      PagesApi__Contact__c: contactId,
      PagesApi__Community_Group__c: named(org, "PagesApi__Community_Group__c", committee.name, {
        PagesApi__Type__c: committee.type ?? "Committee",
      }),
      PagesApi__Role__c: committee.role ?? "Member",
      PagesApi__Activated_Date__c: committee.activated ?? null,
      PagesApi__Deactivated_Date__c: committee.deactivated ?? null,
      PagesApi__Is_Active__c: committee.active ?? true,
    });
  }
  for (const badge of member.badges ?? []) {
    org.insert("OrderApi__Badge__c", {
      OrderApi__Contact__c: contactId,
      OrderApi__Badge_Type__c: named(org, "OrderApi__Badge_Type__c", badge.name),
      OrderApi__Awarded_Date__c: badge.awarded ?? null,
      OrderApi__Expired_Date__c: badge.expired ?? null,
      OrderApi__Is_Active__c: badge.active ?? true,
    });
  }
  return contactId;
}

export function addSubscription(org: FakeOrg, contactId: string, membership: NonNullable<FontevaMember["membership"]>): string {
  return org.insert("OrderApi__Subscription__c", {
    OrderApi__Contact__c: contactId,
    OrderApi__Item__c: named(org, "OrderApi__Item__c", membership.item),
    OrderApi__Activated_Date__c: membership.activated,
    OrderApi__Paid_Through_Date__c: membership.paidThrough,
    OrderApi__Status__c: membership.status ?? "Active",
    OrderApi__Cancelled_Date__c: membership.cancelled ?? null,
  });
}

/** The ids of a Contact's rows in one related object. */
export function rowsOf(org: FakeOrg, object: string, contactField: string, contactId: string): string[] {
  return org
    .select(
      {
        fields: ["Id"],
        from: object,
        where: [{ kind: "compare", field: contactField, op: "=", value: contactId }],
        orderBy: [],
        limit: null,
      },
      { all: false, apiVersion: "62.0" },
    )
    .map((row) => row.Id as string);
}

/** A Fonteva event record. */
export function seedEvent(
  org: FakeOrg,
  event: { name: string; start: string; end?: string; category?: string; published?: boolean; zone?: string },
): string {
  return org.insert("EventApi__Event__c", {
    Name: event.name,
    EventApi__Display_Name__c: event.name,
    EventApi__Start_Date_Time__c: event.start,
    EventApi__End_Date_Time__c: event.end ?? null,
    EventApi__Time_Zone__c: event.zone ?? "(GMT-05:00) America/Chicago",
    EventApi__Event_Category__c: event.category ? named(org, "EventApi__Event_Category__c", event.category) : null,
    EventApi__Is_Active__c: true,
    EventApi__Is_Published__c: event.published ?? true,
  });
}
