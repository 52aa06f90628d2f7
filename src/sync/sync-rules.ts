import { createHash } from "node:crypto";
import type { SyncRules } from "../config/sync.config";

const folded = (text: string | null) => (text ?? "").trim().toLowerCase();

/** The security-group key a member type becomes (DESIGN §4.3: a member type is a security group). */
export const memberTypeGroupKey = (memberType: string) => `MemberType:${memberType}`;
export const MEMBER_TYPE_GROUP_TYPE = "MemberType";

export interface GroupFlags {
  grantsMemberStatus: boolean;
  isStaff: boolean;
  isAdmin: boolean;
}

/**
 * Applies the configured rules (filter list, community allow-list, member-status, staff and
 * admin groups). Matching is case-insensitive, on a group's key or name, or a member type.
 */
export class SyncRuleBook {
  readonly fingerprint: string;

  get purchaseRules() {
    return this.rules.purchases;
  }

  constructor(private readonly rules: SyncRules) {
    this.fingerprint = createHash("sha256").update(JSON.stringify(rules)).digest("hex").slice(0, 16);
  }

  memberTypeAllowed(memberType: string | null): boolean {
    if (this.rules.allowedMemberTypes.length === 0) return true;
    return this.rules.allowedMemberTypes.some((allowed) => folded(allowed) === folded(memberType));
  }

  communityKept(type: string | null, subType: string | null): boolean {
    if (this.rules.communityTypes.length === 0) return true;
    return this.rules.communityTypes.some(
      (rule) => folded(rule.type) === folded(type) && (rule.subType === null || folded(rule.subType) === folded(subType)),
    );
  }

  /** Flags for a group; `memberType` is set for the group a member type becomes. */
  flagsFor(group: { key: string; name: string; memberType?: string }): GroupFlags {
    const names = [group.key, group.name, group.memberType ?? ""].map(folded);
    const listed = (list: string[]) => list.some((entry) => names.includes(folded(entry)));
    const typeGrants =
      group.memberType !== undefined && !this.rules.nonMemberTypes.some((type) => folded(type) === folded(group.memberType!));
    return {
      grantsMemberStatus: typeGrants || listed(this.rules.memberStatusGroups),
      isStaff: listed(this.rules.staffGroups),
      isAdmin: listed(this.rules.adminGroups),
    };
  }
}
