import type { EnvReader } from "./env-readers";
import type { CommunityTypeRule } from "./sync.config";

/** Who may list which rosters; see "Who may see what" in the README. */
export interface DirectoryConfig {
  /**
   * Community types (a type, or a type and sub-type) whose rosters every member may list. Any
   * other community's roster is for its own current members, staff and admins.
   */
  openRosterTypes: CommunityTypeRule[];
}

// The width of the community type and sub-type columns: a longer entry could never match.
const MAX_TYPE_LENGTH = 100;

/** Reads `COMMUNITY_OPEN_ROSTER_TYPES`: `Type` or `Type/SubType`, comma-separated. */
export function readDirectoryConfig(read: EnvReader): DirectoryConfig {
  const name = "COMMUNITY_OPEN_ROSTER_TYPES";
  const openRosterTypes: CommunityTypeRule[] = [];
  for (const entry of read.list(name)) {
    const parts = entry.split("/").map((part) => part.trim());
    const [type, subType] = parts;
    const bad = parts.length > 2 || parts.some((part) => part === "" || part.length > MAX_TYPE_LENGTH);
    if (bad || type === undefined) {
      read.problem(`${name} entries must be Type or Type/SubType, each part 1 to ${MAX_TYPE_LENGTH} characters (got "${entry}")`);
      continue;
    }
    openRosterTypes.push({ type, subType: subType ?? null });
  }
  return { openRosterTypes };
}
