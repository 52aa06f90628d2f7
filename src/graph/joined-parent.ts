/**
 * Where a membership row read with only some of its community's (or group's) columns keeps
 * that parent: such a parent is never put in the request's shared loader, where another field
 * could read a column it lacks, so the membership's own `community` / `group` field reads it here.
 */
export const JOINED_PARENT = Symbol("joined parent");

/** A membership row, with the parent read in the same statement when that was partial. */
export type WithJoinedParent<E, P> = E & { [JOINED_PARENT]?: P };

/**
 * The parent read with the row (`joined`, already mapped) at once, or else `map` of what
 * `load` finds, failing with `missing` when it finds nothing (a foreign key guarantees the row:
 * a miss means the cache is being rewritten). A field answered without a promise completes
 * within its list, where graphql-jit (and graphql-js) would go asynchronous for a promise even
 * when it is already settled: on a directory page that is four or five fields a member, each
 * with a pending step held while the page's other lists are read.
 */
export function joinedOrLoaded<E, G>(
  joined: G | undefined,
  load: () => Promise<E | null | undefined>,
  map: (entity: E) => G,
  missing: () => Error,
): G | Promise<G> {
  if (joined !== undefined) return joined;
  return load().then((entity) => {
    if (!entity) throw missing();
    return map(entity);
  });
}
