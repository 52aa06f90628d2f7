import type { MiddlewareFn } from "type-graphql";
import type { AuthCheckerFn } from "type-graphql";
import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { Role, type Viewer } from "../auth/viewer";
import type { GraphContext } from "./context";
import { GraphError, GraphErrorCode } from "./graph.error";

/**
 * Who may see what (DESIGN §5), decided here and nowhere else.
 *
 * - Operations: `@Authorized(Role.X, …)` passes when the viewer holds any listed role;
 *   `@Authorized()` when the viewer is signed in at all. An anonymous caller is told to sign in
 *   (UNAUTHENTICATED); a signed-in caller without the role is refused (FORBIDDEN).
 * - Rows: members, staff and admins read the directory; members see only people who have not
 *   opted out of it (and are not disabled), plus themselves. Staff and admins see everyone.
 * - Contact fields (email, phones, address, demographics): the member themself, staff, admins.
 *   Anyone else reads null: "not yours to see", as opposed to an empty list.
 * - Events: members-only events for members, staff and admins.
 */
export const authChecker: AuthCheckerFn<GraphContext, Role> = ({ context }, roles) => {
  const { viewer } = context;
  const signedIn = viewer.roles.has(Role.AUTHENTICATED);
  if (roles.length === 0 ? signedIn : roles.some((role) => viewer.roles.has(role))) return true;
  if (!signedIn) throw new GraphError(GraphErrorCode.UNAUTHENTICATED, "Sign in to do this");
  return false;
};

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

/**
 * Contact fields resolve to null for anyone but the member, staff and admins. A member object
 * fetched on behalf of a new session (sign-on answers) is judged for that session's viewer.
 */
export const ContactField: MiddlewareFn<GraphContext> = async ({ root, context }, next) => {
  const member = root as { key?: string; visibleTo?: Viewer };
  if (member.key === undefined || !canSeeContact(member.visibleTo ?? context.viewer, member.key)) return null;
  return next();
};
