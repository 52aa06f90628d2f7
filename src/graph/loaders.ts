import DataLoader from "dataloader";
import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { RowReader } from "../db/row-reader";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  EventEntity,
  MemberDemographicEntity,
  MemberEducationEntity,
  MemberEntity,
  MemberJobEntity,
  MemberPhoneEntity,
  MemberPurchaseEntity,
  MemberSocialLinkEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../db/entities";
import type { CompletionView } from "../writeback/completion-view";
import { JOINED_PARENT, type WithJoinedParent } from "./joined-parent";
import { WritebackStore } from "../writeback/writeback-store";
import { createRosterLoaders, type RosterLoaders } from "./pagination/roster.loader";
import type { MembershipNarrowing, MemberVisibility } from "./visibility";

/** One batched read per kind per tick; created per request so nothing leaks between viewers. */
export interface Loaders {
  /** A member this viewer may list, else null: every field that yields a member reads it here. */
  member: DataLoader<string, MemberEntity | null>;
  phonesByMember: DataLoader<string, MemberPhoneEntity[]>;
  socialLinksByMember: DataLoader<string, MemberSocialLinkEntity[]>;
  demographicsByMember: DataLoader<string, MemberDemographicEntity[]>;
  educationByMember: DataLoader<string, MemberEducationEntity[]>;
  jobHistoryByMember: DataLoader<string, MemberJobEntity[]>;
  purchasesByMember: DataLoader<string, MemberPurchaseEntity[]>;
  communityMembershipsByMember: DataLoader<string, CommunityMembershipEntity[]>;
  securityGroupMembershipsByMember: DataLoader<string, SecurityGroupMembershipEntity[]>;
  community: DataLoader<string, CommunityEntity | null>;
  communityChildren: DataLoader<string, CommunityEntity[]>;
  communityRoster: RosterLoaders<CommunityMembershipEntity>;
  securityGroup: DataLoader<string, SecurityGroupEntity | null>;
  securityGroupRoster: RosterLoaders<SecurityGroupMembershipEntity>;
  event: DataLoader<string, EventEntity | null>;
  /** A member's completions with their writeback status, newest first (who may see them: `canSeeCompletions`). */
  completionsByMember: DataLoader<string, CompletionView[]>;
  /** The member's child lists reading only the columns an operation selects. */
  lists: ChildLists;
}

/**
 * Entity properties a list reads; undefined for every column. `parent` is the joined community
 * or group of a membership list.
 */
export interface ListColumns {
  child: ReadonlySet<string>;
  parent?: ReadonlySet<string>;
}

/**
 * The member's child lists, narrowed to `columns`: one loader per distinct column set (so one
 * statement per list and page, as with the whole-row loaders), and the whole-row loader itself
 * when `columns` is undefined. Partial parents are never primed into the shared `community` or
 * `securityGroup` loader (another field could read a column they lack): each membership row
 * carries its own parent instead, under {@link JOINED_PARENT}.
 */
export interface ChildLists {
  phones(columns?: ListColumns): DataLoader<string, MemberPhoneEntity[]>;
  socialLinks(columns?: ListColumns): DataLoader<string, MemberSocialLinkEntity[]>;
  demographics(columns?: ListColumns): DataLoader<string, MemberDemographicEntity[]>;
  education(columns?: ListColumns): DataLoader<string, MemberEducationEntity[]>;
  jobHistory(columns?: ListColumns): DataLoader<string, MemberJobEntity[]>;
  communityMemberships(columns?: ListColumns): DataLoader<string, CommunityMembershipEntity[]>;
  securityGroupMemberships(columns?: ListColumns): DataLoader<string, SecurityGroupMembershipEntity[]>;
}

/** Large pages still make one statement each; MySQL and SQLite both take this many parameters. */
const MAX_BATCH = 1_000;

/** Loaders for one operation; `visibility` narrows every member and roster to what its viewer may see. */
export function createLoaders(dataSource: DataSource, visibility: MemberVisibility): Loaders {
  const reader = new RowReader(dataSource);
  const completions = new WritebackStore(dataSource);
  const columnOf = (entity: EntityTarget<ObjectLiteral>, property: string) => reader.shape(entity).column(property);

  /** Rows whose `keyField` is one of `keys`, optionally with one joined parent per row. */
  const select = async <E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    keyField: string,
    keys: readonly string[],
    order: string[],
    properties?: ReadonlySet<string>,
  ) => {
    const shape = reader.shape(entity);
    const sql =
      `SELECT ${shape.select("a", properties)} FROM ${shape.table} a WHERE a.${columnOf(entity, keyField)} IN (${reader.placeholders(keys.length)})` +
      (order.length ? ` ORDER BY ${order.map((property) => `a.${columnOf(entity, property)}`).join(", ")}` : "");
    return (await reader.query(sql, [...keys])).map((row) => reader.hydrate(entity, "a", row, properties));
  };

  const one = <E extends ObjectLiteral>(entity: EntityTarget<E>, keyField: keyof E & string, keep: (row: E) => boolean = () => true) =>
    new DataLoader<string, E | null>(
      async (keys) => {
        const rows = (await select(entity, keyField, keys, [])).filter(keep);
        const byKey = new Map(rows.map((row) => [row[keyField] as string, row]));
        return keys.map((key) => byKey.get(key) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    );

  const group = <E extends ObjectLiteral>(keys: readonly string[], rows: E[], keyField: keyof E & string) => {
    const byKey = new Map<string, E[]>(keys.map((key) => [key, []]));
    for (const row of rows) byKey.get(row[keyField] as string)?.push(row);
    return keys.map((key) => byKey.get(key) ?? []);
  };

  const many = <E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    keyField: keyof E & string,
    order: string[],
    properties?: ReadonlySet<string>,
  ) =>
    new DataLoader<string, E[]>(async (keys) => group(keys, await select(entity, keyField, keys, order, properties), keyField), {
      maxBatchSize: MAX_BATCH,
    });

  /**
   * A member's memberships with their community (or group) in the same statement, priming the
   * parent loader, so `communities { community { name } }` costs one statement, not two. A
   * `narrowing` hides rows, judging them with the rows of `alsoRead` read in the same statement.
   */
  const withParent = <E extends ObjectLiteral, P extends ObjectLiteral>(
    entity: EntityTarget<E>,
    parent: EntityTarget<P>,
    joinField: keyof E & string,
    parentKey: keyof P & string,
    parentLoader: () => DataLoader<string, P | null>,
    narrowing: () => MembershipNarrowing<E, P> | undefined = () => undefined,
    columns?: ListColumns,
  ) =>
    new DataLoader<string, E[]>(
      async (keys) => {
        const narrow = narrowing();
        const read = [...keys, ...(narrow?.alsoRead ?? []).filter((key) => !keys.includes(key))];
        const child = reader.shape(entity);
        const owner = reader.shape(parent);
        const sql =
          `SELECT ${child.select("a", columns?.child)}, ${owner.select("p", columns?.parent)} FROM ${child.table} a ` +
          `JOIN ${owner.table} p ON p.${columnOf(parent, parentKey)} = a.${columnOf(entity, joinField)} ` +
          `WHERE a.${columnOf(entity, "memberKey")} IN (${reader.placeholders(read.length)}) ` +
          `ORDER BY a.${columnOf(entity, "memberKey")}, a.${columnOf(entity, "position")}`;
        const rows = await reader.query(sql, read);
        const loader = parentLoader();
        // A few dozen communities recur across a page's memberships: convert each one once.
        const parentColumn = `p__${dataSource.getMetadata(parent).findColumnWithPropertyName(parentKey)!.databaseName}`;
        const parents = new Map<string, P>();
        const partialParent = columns?.parent !== undefined;
        const children = rows.map((row) => {
          const key = String(row[parentColumn]);
          let owner = parents.get(key);
          if (!owner) {
            owner = reader.hydrate(parent, "p", row, columns?.parent);
            parents.set(key, owner);
            if (!partialParent) loader.prime(key, owner);
          }
          const hydrated: WithJoinedParent<E, P> = reader.hydrate(entity, "a", row, columns?.child);
          if (partialParent) hydrated[JOINED_PARENT] = owner;
          return hydrated;
        });
        const byMember = group(read, children, "memberKey" as keyof E & string);
        if (!narrow) return byMember.slice(0, keys.length);
        const rowsOf = new Map(read.map((key, index) => [key, byMember[index]!]));
        const termsOf = (memberKey: string) => rowsOf.get(memberKey) ?? [];
        return keys.map((key) => termsOf(key).filter((row) => narrow.keep(row, parents.get(String(row[joinField]))!, termsOf)));
      },
      { maxBatchSize: MAX_BATCH },
    );

  const byPosition = ["memberKey", "position"];
  /**
   * One loader per column set and list, made on first use. Every value of a field passes the
   * same `columns` object, found by identity; equal sets from other fields share its loader.
   */
  const narrowed = new Map<string, DataLoader<string, unknown[]>>();
  const listOf = <E>(name: string, whole: () => DataLoader<string, E[]>, make: (columns: ListColumns) => DataLoader<string, E[]>) => {
    const byIdentity = new WeakMap<ListColumns, DataLoader<string, E[]>>();
    return (columns?: ListColumns): DataLoader<string, E[]> => {
      if (!columns) return whole();
      const known = byIdentity.get(columns);
      if (known) return known;
      const key = `${name}|${[...columns.child].sort().join(",")}|${columns.parent ? [...columns.parent].sort().join(",") : "*"}`;
      let loader = narrowed.get(key) as DataLoader<string, E[]> | undefined;
      if (!loader) {
        loader = make(columns);
        narrowed.set(key, loader as DataLoader<string, unknown[]>);
      }
      byIdentity.set(columns, loader);
      return loader;
    };
  };
  const communityMemberships = (columns?: ListColumns) =>
    withParent(
      CommunityMembershipEntity,
      CommunityEntity,
      "communityKey",
      "communityKey",
      () => loaders.community,
      () => visibility.communityTermRule<CommunityMembershipEntity, CommunityEntity>(),
      columns,
    );
  const securityGroupMemberships = (columns?: ListColumns) =>
    withParent(SecurityGroupMembershipEntity, SecurityGroupEntity, "groupKey", "groupKey", () => loaders.securityGroup, undefined, columns);
  const loaders: Loaders = {
    member: one(MemberEntity, "memberKey", (row) => visibility.canList(row)),
    phonesByMember: many(MemberPhoneEntity, "memberKey", byPosition),
    socialLinksByMember: many(MemberSocialLinkEntity, "memberKey", byPosition),
    demographicsByMember: many(MemberDemographicEntity, "memberKey", byPosition),
    educationByMember: many(MemberEducationEntity, "memberKey", byPosition),
    jobHistoryByMember: many(MemberJobEntity, "memberKey", byPosition),
    purchasesByMember: many(MemberPurchaseEntity, "memberKey", byPosition),
    communityMembershipsByMember: communityMemberships(),
    securityGroupMembershipsByMember: securityGroupMemberships(),
    community: one(CommunityEntity, "communityKey"),
    communityChildren: many(CommunityEntity, "parentKey", ["name", "communityKey"]),
    communityRoster: createRosterLoaders(dataSource, CommunityMembershipEntity, "communityKey", (query) => {
      visibility.restrictMembers(query);
      visibility.restrictCommunityRoster(query, "r");
    }),
    securityGroup: one(SecurityGroupEntity, "groupKey"),
    securityGroupRoster: createRosterLoaders(dataSource, SecurityGroupMembershipEntity, "groupKey", (query) =>
      visibility.restrictMembers(query),
    ),
    event: one(EventEntity, "eventKey"),
    completionsByMember: new DataLoader((keys) => completions.byMembers(keys), { maxBatchSize: MAX_BATCH }),
    lists: {
      phones: listOf(
        "phones",
        () => loaders.phonesByMember,
        (c) => many(MemberPhoneEntity, "memberKey", byPosition, c.child),
      ),
      socialLinks: listOf(
        "socialLinks",
        () => loaders.socialLinksByMember,
        (c) => many(MemberSocialLinkEntity, "memberKey", byPosition, c.child),
      ),
      demographics: listOf(
        "demographics",
        () => loaders.demographicsByMember,
        (c) => many(MemberDemographicEntity, "memberKey", byPosition, c.child),
      ),
      education: listOf(
        "education",
        () => loaders.educationByMember,
        (c) => many(MemberEducationEntity, "memberKey", byPosition, c.child),
      ),
      jobHistory: listOf(
        "jobHistory",
        () => loaders.jobHistoryByMember,
        (c) => many(MemberJobEntity, "memberKey", byPosition, c.child),
      ),
      communityMemberships: listOf("communityMemberships", () => loaders.communityMembershipsByMember, communityMemberships),
      securityGroupMemberships: listOf(
        "securityGroupMemberships",
        () => loaders.securityGroupMembershipsByMember,
        securityGroupMemberships,
      ),
    },
  };
  return loaders;
}
