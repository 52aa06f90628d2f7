import type { AuthCheckerFn } from "type-graphql";
import { Role } from "../auth/viewer";
import type { GraphContext } from "./context";
import { GraphError, GraphErrorCode } from "./graph.error";

/**
 * The type-graphql auth checker: `@Authorized(Role.X, …)` passes when the viewer holds any listed
 * role; `@Authorized()` when the viewer is signed in at all. An anonymous caller is told to sign in
 * (UNAUTHENTICATED); a signed-in caller without the role is refused (FORBIDDEN). Which members,
 * fields and events a permitted operation then shows is decided in `visibility.ts`.
 */
export const authChecker: AuthCheckerFn<GraphContext, Role> = ({ context }, roles) => {
  const { viewer } = context;
  const signedIn = viewer.roles.has(Role.AUTHENTICATED);
  if (roles.length === 0 ? signedIn : roles.some((role) => viewer.roles.has(role))) return true;
  if (!signedIn) throw new GraphError(GraphErrorCode.UNAUTHENTICATED, "Sign in to do this");
  return false;
};
