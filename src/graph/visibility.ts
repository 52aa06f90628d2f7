import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { Role, type Viewer } from "../auth/viewer";

/**
 * Who may see which member (DESIGN §5), decided here and nowhere else.
 *
 * - Rows: members, staff and admins read the directory; members see only people who have not
 *   opted out of it (and are not disabled), plus themselves. Staff and admins see everyone.
 * - Contact fields (email, phones, address, demographics): the member themself, staff, admins.
 * - Events: members-only events for members, staff and admins.
 */

/** The roles that may read the member directory, communities and security groups. */
export const DIRECTORY_ROLES = [Role.MEMBER, Role.STAFF, Role.ADMIN];

const seesEveryone = (viewer: Viewer) => viewer.roles.has(Role.STAFF) || viewer.roles.has(Role.ADMIN);

export function canSeeContact(viewer: Viewer, memberKey: string): boolean {
  return seesEveryone(viewer) || (viewer.memberKey !== null && viewer.memberKey === memberKey);
}

export function canSeeMembersOnlyEvents(viewer: Viewer): boolean {
  return DIRECTORY_ROLES.some((role) => viewer.roles.has(role));
}

/** Whether a member row shows up for this viewer at all. */
export function canListMember(viewer: Viewer, member: { memberKey: string; excludeFromDirectory: boolean; status: string }): boolean {
  if (seesEveryone(viewer) || member.memberKey === viewer.memberKey) return true;
  return !member.excludeFromDirectory && member.status !== "DISABLED";
}

/**
 * The same rule as `canListMember`, as SQL on the member alias `m`, for every list of members
 * (directory, rosters) so paging and counts never include rows the viewer may not see.
 */
export function memberRestriction(viewer: Viewer): ((query: SelectQueryBuilder<ObjectLiteral>) => void) | undefined {
  if (seesEveryone(viewer)) return undefined;
  return (query) => {
    query.andWhere("((m.excludeFromDirectory = :listed AND m.status <> :disabled) OR m.memberKey = :viewerKey)", {
      listed: false,
      disabled: "DISABLED",
      viewerKey: viewer.memberKey ?? "",
    });
  };
}
