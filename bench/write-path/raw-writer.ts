import type { Pool, PoolConnection } from "mysql2/promise";
import type { PlannedMember } from "./member-plan";

type Row = unknown[];

interface TableSql {
  columns: string[];
  /** Columns ON DUPLICATE KEY UPDATE overwrites. */
  update: string[];
}

const MEMBER_COLUMNS = [
  "member_key",
  "member_id",
  "prefix",
  "first_name",
  "middle_name",
  "last_name",
  "informal_name",
  "suffix",
  "designation",
  "email",
  "address_line1",
  "address_line2",
  "address_line3",
  "city",
  "state_province",
  "postal_code",
  "country",
  "website_url",
  "company_name",
  "title",
  "bio",
  "profile_image_url",
  "member_type",
  "is_active",
  "is_organization",
  "exclude_from_directory",
  "member_since",
  "membership_expires_on",
  "is_member",
  "status",
  "next_transition_on",
  "content_hash",
  "source_updated_at",
  "last_refreshed_at",
  "changed_at",
  "created_at",
];

const TABLES = {
  communities: {
    columns: ["community_key", "name", "type", "sub_type", "parent_key", "source_updated_at", "last_refreshed_at", "created_at"],
    update: ["name", "type", "sub_type", "parent_key", "last_refreshed_at"],
  },
  security_groups: {
    columns: [
      "group_key",
      "name",
      "kind",
      "ams_type",
      "grants_member_status",
      "is_staff",
      "is_admin",
      "source_updated_at",
      "last_refreshed_at",
      "created_at",
    ],
    update: ["name", "ams_type", "grants_member_status", "is_staff", "is_admin", "last_refreshed_at"],
  },
  members: { columns: MEMBER_COLUMNS, update: MEMBER_COLUMNS.filter((column) => column !== "member_key" && column !== "created_at") },
  member_phones: { columns: ["member_key", "position", "number", "type"], update: ["number", "type"] },
  member_social_links: { columns: ["member_key", "position", "network", "url"], update: ["network", "url"] },
  member_demographics: {
    columns: ["member_key", "position", "type_key", "type", "value_key", "value", "is_free_form"],
    update: ["type_key", "type", "value_key", "value", "is_free_form"],
  },
  community_memberships: {
    columns: ["member_key", "position", "community_key", "role", "since_date", "begin_date", "end_date"],
    update: ["community_key", "role", "since_date", "begin_date", "end_date"],
  },
  security_group_memberships: {
    columns: ["member_key", "position", "group_key", "role", "begin_date", "end_date"],
    update: ["group_key", "role", "begin_date", "end_date"],
  },
} satisfies Record<string, TableSql>;

type TableName = keyof typeof TABLES;
const CHILD_TABLES: TableName[] = [
  "member_phones",
  "member_social_links",
  "member_demographics",
  "community_memberships",
  "security_group_memberships",
];

/** Last one wins, as amsgate's reference writes do. */
function uniqueBy<T>(rows: T[], keyOf: (row: T) => string): T[] {
  return [...new Map(rows.map((row) => [keyOf(row), row])).values()];
}

/** Every table's rows for one chunk of members, as value tuples in column order. */
export function rowsOf(members: PlannedMember[], now: Date): Record<TableName, Row[]> {
  const all = <T>(pick: (member: PlannedMember) => T[]) => members.flatMap(pick);
  return {
    communities: uniqueBy(
      all((member) => member.rows.communities),
      (row) => row.communityKey,
    ).map((row) => [row.communityKey, row.name, row.type, row.subType, row.parentKey, null, now, now]),
    security_groups: uniqueBy(
      all((member) => member.rows.groups),
      (row) => row.groupKey,
    ).map((row) => [row.groupKey, row.name, "AMS", row.amsType, row.grantsMemberStatus, row.isStaff, row.isAdmin, null, now, now]),
    members: members.map(({ rows: { content: c, hash }, derived: d }) => [
      c.memberKey,
      c.memberId,
      c.prefix,
      c.firstName,
      c.middleName,
      c.lastName,
      c.informalName,
      c.suffix,
      c.designation,
      c.email,
      c.addressLine1,
      c.addressLine2,
      c.addressLine3,
      c.city,
      c.stateProvince,
      c.postalCode,
      c.country,
      c.websiteUrl,
      c.companyName,
      c.title,
      c.bio,
      c.profileImageUrl,
      c.memberType,
      c.isActive,
      c.isOrganization,
      c.excludeFromDirectory,
      c.memberSince,
      c.membershipExpiresOn,
      d.isMember,
      d.status,
      d.nextTransitionOn,
      hash,
      c.sourceUpdatedAt,
      now,
      now,
      now,
    ]),
    member_phones: all((member) => member.rows.phones).map((row) => [row.memberKey, row.position, row.number, row.type]),
    member_social_links: all((member) => member.rows.socialLinks).map((row) => [row.memberKey, row.position, row.network, row.url]),
    member_demographics: all((member) => member.rows.demographics).map((row) => [
      row.memberKey,
      row.position,
      row.typeKey,
      row.type,
      row.valueKey,
      row.value,
      row.isFreeForm,
    ]),
    community_memberships: all((member) => member.rows.communityMemberships).map((row) => [
      row.memberKey,
      row.position,
      row.communityKey,
      row.role,
      row.sinceDate,
      row.beginDate,
      row.endDate,
    ]),
    security_group_memberships: all((member) => [...member.rows.groupMemberships, ...member.systemGroupMemberships]).map((row) => [
      row.memberKey,
      row.position,
      row.groupKey,
      row.role,
      row.beginDate,
      row.endDate,
    ]),
  };
}

/**
 * The raw baseline: what a hand-written importer on mysql2 does with the same rows. One
 * transaction per chunk, one multi-row `INSERT … ON DUPLICATE KEY UPDATE` per table (reference
 * rows first for the foreign keys), values escaped client-side by mysql2's `VALUES ?`.
 */
export class RawWriter {
  /** Every statement sent, BEGIN and COMMIT included (amsgate's count includes its own). */
  statements = 0;

  constructor(private readonly pool: Pool) {}

  /** Upserts a chunk (a full load: no child rows to remove). */
  upsertChunk(members: PlannedMember[], now: Date): Promise<void> {
    return this.inTransaction(async (connection) => {
      const rows = rowsOf(members, now);
      for (const table of Object.keys(TABLES) as TableName[]) await this.upsert(connection, table, rows[table]);
    });
  }

  /**
   * Replaces a chunk of changed members (the incremental case): upsert the member rows, delete
   * their child rows, insert the new ones, so what the AMS no longer lists is gone.
   */
  replaceChunk(members: PlannedMember[], now: Date): Promise<void> {
    return this.inTransaction(async (connection) => {
      const rows = rowsOf(members, now);
      for (const table of ["communities", "security_groups", "members"] as TableName[]) await this.upsert(connection, table, rows[table]);
      const keys = members.map((member) => member.rows.content.memberKey);
      for (const table of CHILD_TABLES) await this.send(connection, `DELETE FROM ${table} WHERE member_key IN (?)`, [keys]);
      for (const table of CHILD_TABLES) await this.upsert(connection, table, rows[table]);
    });
  }

  private async upsert(connection: PoolConnection, table: TableName, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const { columns, update } = TABLES[table] as TableSql;
    const assignments = update.map((column) => `${column} = VALUES(${column})`).join(", ");
    await this.send(connection, `INSERT INTO ${table} (${columns.join(", ")}) VALUES ? ON DUPLICATE KEY UPDATE ${assignments}`, [rows]);
  }

  private async inTransaction(work: (connection: PoolConnection) => Promise<void>): Promise<void> {
    const connection = await this.pool.getConnection();
    try {
      await this.send(connection, "BEGIN");
      await work(connection);
      await this.send(connection, "COMMIT");
    } catch (error) {
      await connection.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  private async send(connection: PoolConnection, sql: string, values?: unknown[]): Promise<void> {
    this.statements += 1;
    await connection.query(sql, values);
  }
}
