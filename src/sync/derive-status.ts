import type { MemberStatusValue } from "../db/entities/member.entity";

/** The system groups whose membership is derived, never read from the AMS. */
export const SYSTEM_GROUP_KEYS = ["Authenticated", "IsMember", "Staff", "Admin"] as const;
export type SystemGroupKey = (typeof SYSTEM_GROUP_KEYS)[number];

/** Positions from here on hold derived system memberships, so they can be rewritten on their own. */
export const SYSTEM_POSITION_BASE = 1_000;

/** One term in a security group, with what the group grants. */
export interface GroupTerm {
  beginDate: string | null;
  endDate: string | null;
  grantsMemberStatus: boolean;
  isStaff: boolean;
  isAdmin: boolean;
}

export interface DerivationInput {
  isActive: boolean;
  /** The AMS no longer lists the member. */
  gone: boolean;
  /** Passes the site's member-type filter. */
  allowed: boolean;
  terms: GroupTerm[];
  /** `YYYY-MM-DD` in the association's zone. */
  today: string;
}

export interface Derived {
  isMember: boolean;
  status: MemberStatusValue;
  systemGroups: SystemGroupKey[];
  /** The next day this derivation can change with no AMS change; null if never. */
  nextTransitionOn: string | null;
}

const runsOn = (term: GroupTerm, day: string) =>
  (term.beginDate === null || term.beginDate <= day) && (term.endDate === null || term.endDate >= day);

/** `YYYY-MM-DD` plus one day. */
export function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * Member status from membership terms (DESIGN §4.4, §4.6): a member holds member status while a
 * term in a member-status group runs; EXPIRED once such a term has ended with none running;
 * DISABLED when inactive, gone from the AMS or filtered out. Pure: the refresh and the expiry
 * sweep both call it, so they can never disagree.
 */
export function deriveStatus(input: DerivationInput): Derived {
  const relevant = input.terms.filter((term) => term.grantsMemberStatus || term.isStaff || term.isAdmin);
  const nextTransitionOn =
    relevant
      .flatMap((term) => [
        term.beginDate !== null && term.beginDate > input.today ? term.beginDate : null,
        term.endDate !== null && term.endDate >= input.today ? nextDay(term.endDate) : null,
      ])
      .filter((day): day is string => day !== null)
      .sort()[0] ?? null;

  if (!input.isActive || input.gone || !input.allowed) {
    return { isMember: false, status: "DISABLED", systemGroups: [], nextTransitionOn };
  }
  const running = relevant.filter((term) => runsOn(term, input.today));
  const isMember = running.some((term) => term.grantsMemberStatus);
  const lapsed = relevant.some((term) => term.grantsMemberStatus && term.endDate !== null && term.endDate < input.today);
  const systemGroups: SystemGroupKey[] = ["Authenticated"];
  if (isMember) systemGroups.push("IsMember");
  if (running.some((term) => term.isStaff)) systemGroups.push("Staff");
  if (running.some((term) => term.isAdmin)) systemGroups.push("Admin");
  return { isMember, status: !isMember && lapsed ? "EXPIRED" : "ACTIVE", systemGroups, nextTransitionOn };
}
