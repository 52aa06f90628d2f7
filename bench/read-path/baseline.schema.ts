import { buildSchema, type GraphQLSchema } from "graphql";
import type { Pool } from "mysql2/promise";

/** The slice of amsgate's schema the page query touches, same names and nullability. */
const SDL = `
type Query { members(first: Int! = 50, after: String): MemberConnection! }
type MemberConnection { edges: [MemberEdge!]! pageInfo: PageInfo! }
type MemberEdge { cursor: String! node: Member! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type Member {
  key: ID!
  firstName: String
  lastName: String
  phones: [Phone!]
  communities: [CommunityMembership!]!
  securityGroups: [SecurityGroupMembership!]!
}
enum PhoneType { FAX HOME MOBILE OTHER TOLL_FREE WORK }
type Phone { number: String! type: PhoneType }
type Community { name: String! }
type CommunityMembership { role: String community: Community! }
type SecurityGroup { name: String! }
type SecurityGroupMembership { role: String group: SecurityGroup! }
`;

interface MemberRow {
  member_key: string;
  first_name: string;
  last_name: string;
}

interface ChildRow {
  member_key: string;
  [column: string]: unknown;
}

/** mysql2 with a statement count: the baseline's answer to amsgate's QueryCounter. */
export class BaselineStore {
  statements = 0;

  constructor(private readonly pool: Pool) {}

  async query<T>(sql: string, values: unknown[]): Promise<T[]> {
    this.statements += 1;
    const [rows] = await this.pool.query(sql, values);
    return rows as T[];
  }
}

const encodeCursor = (row: MemberRow) => Buffer.from(JSON.stringify([row.last_name, row.first_name, row.member_key])).toString("base64url");
const decodeCursor = (cursor: string) => JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string, string];
const orNull = (text: string) => (text === "" ? null : text);

function byMember<T extends ChildRow>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.member_key);
    if (list) list.push(row);
    else map.set(row.member_key, [row]);
  }
  return map;
}

/**
 * The hand-written way: one keyset page query (the same index and row order as amsgate), then
 * the three child lists for the whole page at once, joined to their names, in parallel.
 */
async function memberPage(store: BaselineStore, args: { first: number; after?: string | null }) {
  const first = Math.min(Math.max(Math.trunc(args.first), 1), 500);
  const after = args.after ? decodeCursor(args.after) : null;
  const where = after ? "WHERE last_name > ? OR (last_name = ? AND (first_name > ? OR (first_name = ? AND member_key > ?)))" : "";
  const rows = await store.query<MemberRow>(
    `SELECT member_key, first_name, last_name FROM members ${where} ORDER BY last_name, first_name, member_key LIMIT ?`,
    after ? [after[0], after[0], after[1], after[1], after[2], first + 1] : [first + 1],
  );
  const page = rows.slice(0, first);
  const keys = page.map((row) => row.member_key);
  const [phones, communities, groups] =
    keys.length === 0
      ? [[], [], []]
      : await Promise.all([
          store.query<ChildRow>(
            "SELECT member_key, number, type FROM member_phones WHERE member_key IN (?) ORDER BY member_key, position",
            [keys],
          ),
          store.query<ChildRow>(
            "SELECT cm.member_key, cm.role, c.name FROM community_memberships cm JOIN communities c ON c.community_key = cm.community_key WHERE cm.member_key IN (?) ORDER BY cm.member_key, cm.position",
            [keys],
          ),
          store.query<ChildRow>(
            "SELECT sgm.member_key, sgm.role, g.name FROM security_group_memberships sgm JOIN security_groups g ON g.group_key = sgm.group_key WHERE sgm.member_key IN (?) ORDER BY sgm.member_key, sgm.position",
            [keys],
          ),
        ]);
  const [phonesOf, communitiesOf, groupsOf] = [byMember(phones), byMember(communities), byMember(groups)];
  const edges = page.map((row) => ({
    cursor: encodeCursor(row),
    node: {
      key: row.member_key,
      firstName: orNull(row.first_name),
      lastName: orNull(row.last_name),
      phones: (phonesOf.get(row.member_key) ?? []).map((phone) => ({ number: phone.number, type: phone.type })),
      communities: (communitiesOf.get(row.member_key) ?? []).map((entry) => ({ role: entry.role, community: { name: entry.name } })),
      securityGroups: (groupsOf.get(row.member_key) ?? []).map((entry) => ({ role: entry.role, group: { name: entry.name } })),
    },
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export function baselineSchema(): { schema: GraphQLSchema; rootValue: (store: BaselineStore) => Record<string, unknown> } {
  return {
    schema: buildSchema(SDL),
    rootValue: (store) => ({ members: (args: { first: number; after?: string | null }) => memberPage(store, args) }),
  };
}
