import { z } from "zod";
import type { ImisGroupRule, ImisGroupTarget } from "../../config/imis.config";
import { parseOrThrow } from "../member-info/contract-violation";
import { flag, optionalDay, optionalKey, optionalText, requiredKey } from "../member-info/wire-values";
import type { CommunityMembershipRecord, SecurityGroupMembershipRecord } from "../member-record";
import { imisList, imisTyped, typedValue } from "./imis-envelope";

const text = (maxChars?: number) => imisTyped(optionalText(maxChars));

/** GroupMemberData as `GET /api/GroupMember` returns it. */
const groupMemberSchema = z.object({
  GroupMemberId: imisTyped(optionalKey()),
  Group: z.object({
    GroupId: imisTyped(requiredKey()),
    Name: text(200),
    GroupClass: z.object({ GroupClassId: text(100), Name: text(100) }).nullish(),
  }),
  Party: z.object({ PartyId: imisTyped(requiredKey()) }),
  // Not every version sends it; a membership iMIS lists is taken as current unless it says otherwise.
  IsActive: imisTyped(flag(true)),
  MembershipDetails: imisList(
    z.object({
      EffectiveDate: imisTyped(optionalDay()),
      ExpirationDate: imisTyped(optionalDay()),
      Role: z.object({ Name: text(100), Description: text(100) }).nullish(),
    }),
  ),
});

/** One GroupMember, sorted into the canonical lists. */
export interface ImisGroupMemberships {
  partyId: string;
  communities: CommunityMembershipRecord[];
  securityGroups: SecurityGroupMembershipRecord[];
}

/** The party a raw GroupMember belongs to, read leniently before validation. */
export function peekGroupMemberPartyId(raw: unknown): string | null {
  const party = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).Party : undefined;
  const id = typeof party === "object" && party !== null ? typedValue((party as Record<string, unknown>).PartyId) : undefined;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return typeof id === "string" && id.trim() !== "" ? id.trim() : null;
}

const folded = (text: string | null | undefined) => (text ?? "").trim().toLowerCase();

/**
 * Turns GroupMembers into community and security-group memberships by the configured rules:
 * a group's class (its id or its name, any case) picks the community type, or makes the group
 * a security group. Groups of a class no rule names (event registrations, product purchases,
 * …) are left out. Each MembershipDetail is one term with its role and dates; a simple group
 * with no details is one open-ended membership.
 */
export class ImisGroupMapper {
  constructor(private readonly rules: readonly ImisGroupRule[]) {}

  read(raw: unknown): ImisGroupMemberships {
    const partyId = peekGroupMemberPartyId(raw) ?? undefined;
    const subject = partyId === undefined ? "GroupMember" : `GroupMember of party "${partyId}"`;
    const member = parseOrThrow(groupMemberSchema, raw, subject, partyId);
    const result: ImisGroupMemberships = { partyId: member.Party.PartyId, communities: [], securityGroups: [] };
    const target = this.targetOf(member.Group.GroupClass);
    if (target === undefined || !member.IsActive) return result;
    const { GroupId: key, Name } = member.Group;
    const name = Name ?? key;
    const terms =
      member.MembershipDetails.length > 0 ? member.MembershipDetails : [{ EffectiveDate: null, ExpirationDate: null, Role: null }];
    for (const term of terms) {
      const role = term.Role?.Description ?? term.Role?.Name ?? null;
      if (target.kind === "security") {
        result.securityGroups.push({
          groupKey: key,
          name,
          type: "Security",
          role,
          beginDate: term.EffectiveDate,
          endDate: term.ExpirationDate,
        });
        continue;
      }
      result.communities.push({
        communityKey: key,
        name,
        type: target.type,
        subType: target.subType,
        parentKey: null,
        role,
        sinceDate: null,
        beginDate: term.EffectiveDate,
        endDate: term.ExpirationDate,
      });
    }
    return result;
  }

  private targetOf(groupClass: { GroupClassId: string | null; Name: string | null } | null | undefined): ImisGroupTarget | undefined {
    if (!groupClass) return undefined;
    const names = [groupClass.GroupClassId, groupClass.Name].map(folded).filter((name) => name !== "");
    return this.rules.find((rule) => names.includes(folded(rule.groupClass)))?.target;
  }
}
