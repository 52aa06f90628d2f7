import type { DataSource } from "typeorm";
import type { MemberRecord } from "../sources/member-record";
import { readCachedRecords } from "../sync/cached-records";
import { SyncError, SyncErrorCode } from "../sync/sync.error";
import type { SyncService } from "../sync/sync.service";
import type { SyncRunSnapshot } from "../sync/sync-events";
import { payloadFromRecord, recordFromPayload } from "./member-csv.rows";

/** A group membership as an admin types it. */
export interface GroupEdit {
  key: string;
  name?: string | null;
  type?: string | null;
  role?: string | null;
  beginDate?: string | null;
  endDate?: string | null;
}

/**
 * What an admin sets on a member: each field given replaces the cached one (an empty text clears
 * it); each field left out (or null) keeps it. Lists given replace the whole list.
 */
export interface MemberEdit {
  memberId?: string | null;
  prefix?: string | null;
  firstName?: string | null;
  middleName?: string | null;
  lastName?: string | null;
  suffix?: string | null;
  designation?: string | null;
  informalName?: string | null;
  memberType?: string | null;
  email?: string | null;
  title?: string | null;
  companyName?: string | null;
  addressLine1?: string | null;
  addressLine2?: string | null;
  addressLine3?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
  memberSince?: string | null;
  membershipExpiresOn?: string | null;
  isActive?: boolean | null;
  isOrganization?: boolean | null;
  excludeFromDirectory?: boolean | null;
  phones?: Array<{ number: string; type?: string | null }> | null;
  communities?: GroupEdit[] | null;
  securityGroups?: GroupEdit[] | null;
}

/** Each scalar edit field and the MemberInfo field (CSV column) it sets. */
const FIELDS: ReadonlyArray<[keyof MemberEdit, string]> = [
  ["memberId", "MemberId"],
  ["prefix", "PrefixCode"],
  ["firstName", "FirstName"],
  ["middleName", "MiddleName"],
  ["lastName", "LastName"],
  ["suffix", "SuffixCode"],
  ["designation", "Designation"],
  ["informalName", "InformalName"],
  ["memberType", "MemberType"],
  ["email", "EmailAddress"],
  ["title", "Title"],
  ["companyName", "CompanyName"],
  ["addressLine1", "Address1"],
  ["addressLine2", "Address2"],
  ["addressLine3", "Address3"],
  ["city", "City"],
  ["state", "State"],
  ["postalCode", "PostalCode"],
  ["country", "Country"],
  ["memberSince", "MemberSince"],
  ["membershipExpiresOn", "MemberExpiresOn"],
  ["isActive", "IsActive"],
  ["isOrganization", "IsOrganization"],
  ["excludeFromDirectory", "ExcludeFromDirectory"],
];
const FIELD_OF = new Map(FIELDS.map(([field, column]) => [column, field]));
const MAX_PHONES = 4;
const MAX_KEY_LENGTH = 100;

/**
 * Standalone account management (`AMS_SOURCE=spreadsheet`): admins create, update and disable
 * members by hand. Every edit is read and checked as a CSV row or a push is (the MemberInfo
 * reader) and written through the intake in a MANUAL run, so the content hash, derived status,
 * memberChanged and syncProgress behave as for any write. Where an AMS is the system of record
 * an edit here would be overwritten by the next refresh, so it is refused.
 */
export class MemberEditor {
  constructor(private readonly deps: { sync: SyncService; dataSource: DataSource; cacheIsSourceOfRecord: boolean }) {}

  async create(key: string, edit: MemberEdit): Promise<SyncRunSnapshot> {
    this.checkMode();
    const memberKey = checkedKey(key);
    if ((await this.cached(memberKey)) !== undefined) {
      throw new SyncError(SyncErrorCode.INVALID_REQUEST, `A member with key "${memberKey}" exists already: change it with updateMember`);
    }
    return this.write(memberKey, edit, { MemberDetails: {} }, "createMember");
  }

  async update(key: string, edit: MemberEdit): Promise<SyncRunSnapshot> {
    this.checkMode();
    const cached = await this.existing(checkedKey(key));
    return this.write(cached.memberKey, edit, payloadFromRecord(cached), "updateMember");
  }

  async disable(key: string): Promise<SyncRunSnapshot> {
    this.checkMode();
    const cached = await this.existing(checkedKey(key));
    return this.deps.sync.disableMember(cached.memberKey);
  }

  private checkMode(): void {
    if (this.deps.cacheIsSourceOfRecord) return;
    throw new SyncError(
      SyncErrorCode.NOT_SOURCE_OF_RECORD,
      "Members are edited in the AMS, the system of record here: an edit in the cache would be overwritten by the next refresh. Hand edits need AMS_SOURCE=spreadsheet",
    );
  }

  private async cached(key: string): Promise<MemberRecord | undefined> {
    return (await readCachedRecords(this.deps.dataSource, [key])).get(key);
  }

  private async existing(key: string): Promise<MemberRecord> {
    const cached = await this.cached(key);
    if (!cached) throw new SyncError(SyncErrorCode.NOT_FOUND, `No member with key "${key}" is in the cache`);
    return cached;
  }

  private async write(key: string, edit: MemberEdit, base: Record<string, unknown>, what: string): Promise<SyncRunSnapshot> {
    const record = recordFromPayload(applyEdit(base, key, edit));
    if (Array.isArray(record)) {
      const faults = record.map((fault) => `${fault.column ? `${FIELD_OF.get(fault.column) ?? fault.column}: ` : ""}${fault.reason}`);
      throw new SyncError(SyncErrorCode.INVALID_REQUEST, `The member was not saved: ${faults.join("; ")}`);
    }
    const { run, results } = await this.deps.sync.acceptPushedMembers([record], { kind: "MANUAL", detail: `${what} ${key}` });
    const refused = results.find((result) => "error" in result);
    if (refused && "error" in refused) throw new SyncError(SyncErrorCode.INVALID_REQUEST, `The member was not saved: ${refused.error}`);
    return run;
  }
}

function checkedKey(key: string): string {
  const trimmed = key.trim();
  if (trimmed === "" || trimmed.length > MAX_KEY_LENGTH) {
    throw new SyncError(SyncErrorCode.INVALID_REQUEST, `key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  return trimmed;
}

/** The MemberInfo payload of `base` with the edit laid over it. */
function applyEdit(base: Record<string, unknown>, key: string, edit: MemberEdit): Record<string, unknown> {
  const details: Record<string, unknown> = { ...(base.MemberDetails as Record<string, unknown>), LegacyContactKey: key };
  for (const [field, column] of FIELDS) {
    const value = edit[field];
    if (value !== undefined && value !== null) details[column] = typeof value === "boolean" ? String(value) : value;
  }
  if (edit.phones) {
    if (edit.phones.length > MAX_PHONES)
      throw new SyncError(SyncErrorCode.INVALID_REQUEST, `phones: at most ${MAX_PHONES} (got ${edit.phones.length})`);
    for (let slot = 1; slot <= MAX_PHONES; slot += 1) {
      const phone = edit.phones[slot - 1];
      details[`Phone${slot}`] = phone?.number ?? "";
      details[`Phone${slot}Type`] = phone?.type ?? "";
    }
  }
  const payload: Record<string, unknown> = { ...base, MemberDetails: details };
  if (edit.communities) payload.CommunityGroups = edit.communities.map(groupOf);
  if (edit.securityGroups) payload.SecurityGroups = edit.securityGroups.map(groupOf);
  return payload;
}

function groupOf(group: GroupEdit): Record<string, unknown> {
  return {
    GroupKey: group.key,
    GroupName: group.name ?? "",
    GroupType: group.type ?? "",
    RoleDescription: group.role ?? "",
    BeginDate: group.beginDate ?? "",
    EndDate: group.endDate ?? "",
  };
}
