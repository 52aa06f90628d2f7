/**
 * Where a membership row read with only some of its community's (or group's) columns keeps
 * that parent: such a parent is never put in the request's shared loader, where another field
 * could read a column it lacks, so the membership's own `community` / `group` field reads it here.
 */
export const JOINED_PARENT = Symbol("joined parent");

/** A membership row, with the parent read in the same statement when that was partial. */
export type WithJoinedParent<E, P> = E & { [JOINED_PARENT]?: P };
