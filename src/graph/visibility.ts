import { Role, type Viewer } from "../auth/viewer";
import type { DirectoryConfig } from "../config/directory.config";
import { CommunityMembershipEntity } from "../db/entities/community-membership.entity";
import { CommunityEntity } from "../db/entities/community.entity";
import { MemberEntity } from "../db/entities/member.entity";
import type { SqlWriter } from "../db/sql-writer";
import { isActiveOn } from "./community/community.mapper";

/**
 * Who may see which member (DESIGN §5), decided here and nowhere else. Every path that yields
 * members (the directory, `member(key)`, security-group and community rosters, filters, search,
 * nested fields, subscriptions) asks these rules, in SQL where it lists and pages.
 *
 * - The directory is for MEMBER, STAFF and ADMIN. A signed-in caller without member status reads
 *   no other member on any path; everyone always reads their own record.
 * - Rows: staff and admins list everyone; members list people who have not opted out of the
 *   directory and are not disabled.
 * - Community rosters: a member lists a community's roster while it holds a current term in that
 *   community, or when the community's type is open (`COMMUNITY_OPEN_ROSTER_TYPES`); staff and
 *   admins list every roster. Security-group rosters follow the row rule alone.
 * - Contact fields (email, phones, address, demographics): the member themself, staff, admins.
 * - Profile fields (company, title, bio, social links, education, job history) go with the row.
 *   Search and filters match only what the caller may read, so they cannot reveal hidden values.
 * - Events: members-only events for members, staff and admins.
 * - Completions (and their writeback status): the member themself, admins and learning systems (LMS).
 * - Purchases and what they entitle to: the member themself and admins only (not staff).
 */

/** The roles that may read the member directory, communities and security groups. */
export const DIRECTORY_ROLES = [Role.MEMBER, Role.STAFF, Role.ADMIN];

/** What the row rule reads of a member. */
export interface ListableMember {
  memberKey: string;
  excludeFromDirectory: boolean;
  status: string;
}

/** Hides some of one member's membership rows; `termsOf` gives the rows read for `alsoRead`. */
export interface MembershipNarrowing<Row, Parent> {
  /** Members whose rows the judgement needs besides the ones asked for (the viewer's own). */
  alsoRead: string[];
  keep(row: Row, parent: Parent, termsOf: (memberKey: string) => Row[]): boolean;
}

type Term = { memberKey: string; communityKey: string; beginDate: string | null; endDate: string | null };
type CommunityKind = { type: string | null; subType: string | null };

const seesEveryone = (viewer: Viewer) => viewer.roles.has(Role.STAFF) || viewer.roles.has(Role.ADMIN);
const readsDirectory = (viewer: Viewer) => DIRECTORY_ROLES.some((role) => viewer.roles.has(role));
const isSelf = (viewer: Viewer, memberKey: string) => viewer.memberKey !== null && viewer.memberKey === memberKey;

export function canSeeContact(viewer: Viewer, memberKey: string): boolean {
  return seesEveryone(viewer) || isSelf(viewer, memberKey);
}

/** Completions and their writeback status: the member themself, admins, and learning systems. */
export function canSeeCompletions(viewer: Viewer, memberKey: string): boolean {
  return viewer.roles.has(Role.ADMIN) || viewer.roles.has(Role.LMS) || isSelf(viewer, memberKey);
}

export function canSeePurchases(viewer: Viewer, memberKey: string): boolean {
  return viewer.roles.has(Role.ADMIN) || isSelf(viewer, memberKey);
}

export function canSeeMembersOnlyEvents(viewer: Viewer): boolean {
  return readsDirectory(viewer);
}

/** Whether a member row shows up for this viewer at all. */
export function canListMember(viewer: Viewer, member: ListableMember): boolean {
  if (seesEveryone(viewer) || isSelf(viewer, member.memberKey)) return true;
  return readsDirectory(viewer) && !member.excludeFromDirectory && member.status !== "DISABLED";
}

/** Fields anyone who reads the directory may search; email is added where the viewer may read it. */
const SEARCHABLE = ["firstName", "lastName", "informalName", "companyName"];

/**
 * The rules for one operation, bound to its viewer (read at each use: a WebSocket renewal can
 * replace it mid-flight) and to the association's calendar day. The SQL methods write text for
 * the aliases they are given (`m` for the member on a query builder) and bind their own values,
 * so a query builder and a statement written as text apply the same rule.
 */
export class MemberVisibility {
  constructor(
    private readonly viewerOf: () => Viewer,
    private readonly directory: DirectoryConfig,
    private readonly today: () => string,
  ) {}

  canList(member: ListableMember): boolean {
    return canListMember(this.viewerOf(), member);
  }

  /**
   * The SQL twin of {@link canListMember} on the member alias `alias`, for every list of members
   * so pages and counts agree; undefined when nothing is hidden.
   */
  membersCondition(sql: SqlWriter, alias: string): string | undefined {
    const viewer = this.viewerOf();
    if (seesEveryone(viewer)) return undefined;
    if (!readsDirectory(viewer)) return this.self(sql, viewer, alias);
    const listed =
      `${sql.column(MemberEntity, alias, "excludeFromDirectory")} = ${sql.bind(false)} AND ` +
      `${sql.column(MemberEntity, alias, "status")} <> ${sql.bind("DISABLED")}`;
    return `((${listed}) OR ${this.self(sql, viewer, alias)})`;
  }

  /**
   * The community-roster rule on the community-membership alias `alias` (the row rule is
   * {@link membersCondition}, applied besides): the viewer's own rows, and whole rosters of the
   * communities the viewer currently belongs to or whose type is open; undefined when nothing is hidden.
   */
  communityRosterCondition(sql: SqlWriter, alias: string): string | undefined {
    const viewer = this.viewerOf();
    if (seesEveryone(viewer)) return undefined;
    if (viewer.memberKey === null) return "1 = 0";
    const term = (property: string) => sql.column(CommunityMembershipEntity, "visOwn", property);
    const self = `${sql.column(CommunityMembershipEntity, alias, "memberKey")} = ${sql.bind(viewer.memberKey)}`;
    const today = this.today();
    const own =
      `EXISTS (SELECT 1 FROM ${sql.table(CommunityMembershipEntity)} visOwn WHERE ` +
      `${term("communityKey")} = ${sql.column(CommunityMembershipEntity, alias, "communityKey")} AND ${term("memberKey")} = ${sql.bind(viewer.memberKey)} ` +
      // The SQL twin of isActiveOn: a term that has begun and not ended today.
      `AND (${term("beginDate")} IS NULL OR ${term("beginDate")} <= ${sql.bind(today)}) AND (${term("endDate")} IS NULL OR ${term("endDate")} >= ${sql.bind(today)}))`;
    const open = this.openTypeCondition(sql, alias);
    return `(${[self, own, ...(open ? [open] : [])].join(" OR ")})`;
  }

  /**
   * `Member.communities` lists one member's terms, the reverse of a roster: the same rule in
   * memory, so a closed roster cannot be pieced together from profiles. Undefined when nothing
   * is hidden: staff and admins see every term, and a caller with no member record reaches no
   * member but the one a sign-on answer names.
   */
  communityTermRule<Row extends Term, Parent extends CommunityKind>(): MembershipNarrowing<Row, Parent> | undefined {
    const viewer = this.viewerOf();
    const self = viewer.memberKey;
    if (seesEveryone(viewer) || self === null) return undefined;
    const today = this.today();
    const directory = readsDirectory(viewer);
    return {
      alsoRead: [self],
      keep: (term, community, termsOf) =>
        term.memberKey === self ||
        (directory &&
          (this.hasOpenType(community) || termsOf(self).some((own) => own.communityKey === term.communityKey && isActiveOn(own, today)))),
    };
  }

  /**
   * One search word on the member alias `alias`: `pattern` (a LIKE pattern escaped with `!`) in
   * any field the viewer may read; email reads as NULL (matching nothing) where it is hidden.
   */
  searchCondition(sql: SqlWriter, alias: string, pattern: string): string {
    const viewer = this.viewerOf();
    const columns = SEARCHABLE.map((property) => () => sql.column(MemberEntity, alias, property));
    const email = () => sql.column(MemberEntity, alias, "email");
    if (seesEveryone(viewer)) columns.push(email);
    else if (viewer.memberKey !== null) {
      const self = viewer.memberKey;
      columns.push(() => `(CASE WHEN ${sql.column(MemberEntity, alias, "memberKey")} = ${sql.bind(self)} THEN ${email()} END)`);
    }
    // Written in order: each placeholder is bound where it appears.
    return `(${columns.map((column) => `${column()} LIKE ${sql.bind(pattern)} ESCAPE '!'`).join(" OR ")})`;
  }

  /** `alias` is the viewer's own row; never true for callers without a member record. */
  private self(sql: SqlWriter, viewer: Viewer, alias: string): string {
    if (viewer.memberKey === null) return "1 = 0";
    return `${sql.column(MemberEntity, alias, "memberKey")} = ${sql.bind(viewer.memberKey)}`;
  }

  /** The in-memory twin of {@link openTypeCondition}. */
  private hasOpenType(community: CommunityKind): boolean {
    const folded = (text: string | null) => (text ?? "").toLowerCase();
    return this.directory.openRosterTypes.some(
      (rule) =>
        folded(rule.type) === folded(community.type) && (rule.subType === null || folded(rule.subType) === folded(community.subType)),
    );
  }

  /** The community of row `alias` has an open type; undefined when none is configured. */
  private openTypeCondition(sql: SqlWriter, alias: string): string | undefined {
    const rules = this.directory.openRosterTypes;
    if (rules.length === 0) return undefined;
    const open = (property: string) => sql.column(CommunityEntity, "visOpen", property);
    const key = `${open("communityKey")} = ${sql.column(CommunityMembershipEntity, alias, "communityKey")}`;
    // Case-insensitive like the sync rules, and the same on MySQL and SQLite.
    const matches = rules.map((rule) => {
      const type = `LOWER(${open("type")}) = ${sql.bind(rule.type.toLowerCase())}`;
      if (rule.subType === null) return type;
      return `(${type} AND LOWER(${open("subType")}) = ${sql.bind(rule.subType.toLowerCase())})`;
    });
    return `EXISTS (SELECT 1 FROM ${sql.table(CommunityEntity)} visOpen WHERE ${key} AND (${matches.join(" OR ")}))`;
  }
}
