import type { MiddlewareFn } from "type-graphql";
import type { Viewer } from "../../auth/viewer";
import type { GraphContext } from "../context";
import { canSeeContact } from "../visibility";

/**
 * Contact fields resolve to null for anyone but the member, staff and admins: "not yours to see",
 * as opposed to an empty list. A member object fetched on behalf of a new session (sign-on
 * answers) is judged for that session's viewer. Not async: deciding needs no promise (see
 * decided-resolvers' `runChain`); type-graphql awaits what a middleware answers, so a
 * synchronous one works there too, though its type asks for a promise.
 */
export const ContactField = (({ root, context }, next) => {
  const member = root as { key?: string; visibleTo?: Viewer };
  if (member.key === undefined || !canSeeContact(member.visibleTo ?? context.viewer, member.key)) return null;
  return next();
}) as MiddlewareFn<GraphContext>;
