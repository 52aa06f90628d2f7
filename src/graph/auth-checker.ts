import type { AuthCheckerFn } from "type-graphql";
import { Role } from "../auth/viewer";
import type { GraphContext } from "./context";
import { GraphError, GraphErrorCode } from "./graph.error";

/** What `@Authorized(...roles)` decides for a role set: read, sign in first, or refused. */
export type AuthOutcome = "allow" | "unauthenticated" | "forbidden";

/**
 * The rule, on roles alone: `@Authorized(Role.X, …)` passes when the viewer holds any listed
 * role; `@Authorized()` when the viewer is signed in at all. Compiled operations decide it once
 * per field and role set (see `decided-resolvers.ts`); the checker below applies it per call.
 */
export function authorizationOutcome(required: readonly Role[], held: ReadonlySet<Role>): AuthOutcome {
  const signedIn = held.has(Role.AUTHENTICATED);
  if (required.length === 0 ? signedIn : required.some((role) => held.has(role))) return "allow";
  return signedIn ? "forbidden" : "unauthenticated";
}

/**
 * The type-graphql auth checker. An anonymous caller is told to sign in (UNAUTHENTICATED); a
 * signed-in caller without the role is refused (FORBIDDEN, through type-graphql's
 * AuthorizationError). Which members, fields and events a permitted operation then shows is
 * decided in `visibility.ts`.
 */
export const authChecker: AuthCheckerFn<GraphContext, Role> = ({ context }, roles) => {
  const outcome = authorizationOutcome(roles, context.viewer.roles);
  if (outcome === "unauthenticated") throw new GraphError(GraphErrorCode.UNAUTHENTICATED, "Sign in to do this");
  return outcome === "allow";
};
