import DataLoader from "dataloader";
import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { RowReader, type RowValues } from "../db/row-reader";
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
import { communityMembershipFrom, toCommunityMembership } from "./community/community.mapper";
import type { CommunityMembership } from "./community/community.type";
import { phoneFrom, toPhone } from "./member/member.mapper";
import type { Phone } from "./member/member.type";
import { securityGroupMembershipFrom, toSecurityGroupMembership } from "./security-group/security-group.mapper";
import type { SecurityGroupMembership } from "./security-group/security-group.type";
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
/** What a child list's resolver needs of its loader. */
export interface ListLoader<N> {
  load(key: string): Promise<N[]>;
}

export interface ChildLists {
  phones(columns?: ListColumns): ListLoader<Phone>;
  socialLinks(columns?: ListColumns): ListLoader<MemberSocialLinkEntity>;
  demographics(columns?: ListColumns): ListLoader<MemberDemographicEntity>;
  education(columns?: ListColumns): ListLoader<MemberEducationEntity>;
  jobHistory(columns?: ListColumns): ListLoader<MemberJobEntity>;
  communityMemberships(columns?: ListColumns): ListLoader<CommunityMembership>;
  securityGroupMemberships(columns?: ListColumns): ListLoader<SecurityGroupMembership>;
}

/** Large pages still make one statement each; MySQL and SQLite both take this many parameters. */
const MAX_BATCH = 1_000;

/** Loaders for one operation; `visibility` narrows every member and roster to what its viewer may see. */
export function createLoaders(dataSource: DataSource, visibility: MemberVisibility): Loaders {
  const reader = new RowReader(dataSource);
  const completions = new WritebackStore(dataSource);
  const columnOf = (entity: EntityTarget<ObjectLiteral>, property: string) => reader.shape(entity).column(property);

  /** Raw rows (aliased `a`) whose `keyField` is one of `keys`. */
  const select = <E extends ObjectLiteral>(
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
    return reader.query(sql, [...keys]);
  };

  const one = <E extends ObjectLiteral>(entity: EntityTarget<E>, keyField: keyof E & string, keep: (row: E) => boolean = () => true) =>
    new DataLoader<string, E | null>(
      async (keys) => {
        const rows = (await select(entity, keyField, keys, [])).map((row) => reader.hydrate(entity, "a", row)).filter(keep);
        const byKey = new Map(rows.map((row) => [row[keyField] as string, row]));
        return keys.map((key) => byKey.get(key) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    );

  /**
   * Rows whose `keyField` is one of `keys`, grouped by it, each as `node` makes it from the raw
   * row (the GraphQL object itself, on hot lists) or else as the (partial) entity.
   */
  const many = <E extends ObjectLiteral, N = E>(
    entity: EntityTarget<E>,
    keyField: keyof E & string,
    order: string[],
    properties?: ReadonlySet<string>,
    node?: (row: Record<string, unknown>, values: RowValues) => N,
  ) =>
    new DataLoader<string, N[]>(
      async (keys) => {
        const rows = await select(entity, keyField, keys, order, properties);
        const values = reader.values(entity, "a", properties);
        const key = values.keyOf(keyField);
        const byKey = new Map<string, N[]>(keys.map((one) => [one, []]));
        for (const row of rows) {
          byKey.get(row[key] as string)?.push(node ? node(row, values) : (reader.hydrate(entity, "a", row, properties) as unknown as N));
        }
        return keys.map((one) => byKey.get(one) ?? []);
      },
      { maxBatchSize: MAX_BATCH },
    );

  /**
   * A member's memberships with their community (or group) in the same statement, priming the
   * parent loader, so `communities { community { name } }` costs one statement, not two. A
   * `narrowing` hides rows, judging them with the rows of `alsoRead` read in the same statement.
   * `node` makes each membership from its raw row and its parent when that was read partially.
   */
  const withParent = <E extends ObjectLiteral, P extends ObjectLiteral, N>(
    entity: EntityTarget<E>,
    parent: EntityTarget<P>,
    joinField: keyof E & string,
    parentKey: keyof P & string,
    parentLoader: () => DataLoader<string, P | null>,
    narrowing: () => MembershipNarrowing<N, P> | undefined,
    columns: ListColumns | undefined,
    node: (row: Record<string, unknown>, values: RowValues, joined: P | undefined) => N,
  ) =>
    new DataLoader<string, N[]>(
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
        const parentColumn = reader.values(parent, "p").keyOf(parentKey);
        const childValues = reader.values(entity, "a", columns?.child);
        const memberColumn = childValues.keyOf("memberKey");
        const parents = new Map<string, P>();
        const partialParent = columns?.parent !== undefined;
        const byMember = new Map<string, N[]>(read.map((key) => [key, []]));
        const parentOf = new Map<N, P>();
        for (const row of rows) {
          const key = String(row[parentColumn]);
          let owner = parents.get(key);
          if (!owner) {
            owner = reader.hydrate(parent, "p", row, columns?.parent);
            parents.set(key, owner);
            if (!partialParent) loader.prime(key, owner);
          }
          const membership = node(row, childValues, partialParent ? owner : undefined);
          if (narrow) parentOf.set(membership, owner);
          byMember.get(row[memberColumn] as string)?.push(membership);
        }
        const termsOf = (memberKey: string) => byMember.get(memberKey) ?? [];
        if (!narrow) return keys.map(termsOf);
        return keys.map((key) => termsOf(key).filter((row) => narrow.keep(row, parentOf.get(row)!, termsOf)));
      },
      { maxBatchSize: MAX_BATCH },
    );

  /** The (partial) entity of a membership row, carrying its parent when that was partial. */
  const membershipEntity =
    <E extends ObjectLiteral, P>(entity: EntityTarget<E>, columns: ListColumns | undefined) =>
    (row: Record<string, unknown>, _values: RowValues, joined: P | undefined): WithJoinedParent<E, P> => {
      const hydrated: WithJoinedParent<E, P> = reader.hydrate(entity, "a", row, columns?.child);
      if (joined !== undefined) hydrated[JOINED_PARENT] = joined;
      return hydrated;
    };

  const byPosition = ["memberKey", "position"];
  /**
   * One loader per column set and list, made on first use. Every value of a field passes the
   * same `columns` object, found by identity; equal sets from other fields share its loader.
   */
  const narrowed = new Map<string, ListLoader<unknown>>();
  const listOf = <N>(name: string, whole: () => ListLoader<N>, make: (columns: ListColumns) => ListLoader<N>) => {
    const byIdentity = new WeakMap<ListColumns, ListLoader<N>>();
    return (columns?: ListColumns): ListLoader<N> => {
      if (!columns) return whole();
      const known = byIdentity.get(columns);
      if (known) return known;
      const key = `${name}|${[...columns.child].sort().join(",")}|${columns.parent ? [...columns.parent].sort().join(",") : "*"}`;
      let loader = narrowed.get(key) as ListLoader<N> | undefined;
      if (!loader) {
        loader = make(columns);
        narrowed.set(key, loader as ListLoader<unknown>);
      }
      byIdentity.set(columns, loader);
      return loader;
    };
  };
  const communityMemberships = <N>(
    columns: ListColumns | undefined,
    node: (row: Record<string, unknown>, values: RowValues, joined: CommunityEntity | undefined) => N,
    rule: () => MembershipNarrowing<N, CommunityEntity> | undefined,
  ) => withParent(CommunityMembershipEntity, CommunityEntity, "communityKey", "communityKey", () => loaders.community, rule, columns, node);
  const securityGroupMemberships = <N>(
    columns: ListColumns | undefined,
    node: (row: Record<string, unknown>, values: RowValues, joined: SecurityGroupEntity | undefined) => N,
  ) =>
    withParent(
      SecurityGroupMembershipEntity,
      SecurityGroupEntity,
      "groupKey",
      "groupKey",
      () => loaders.securityGroup,
      () => undefined,
      columns,
      node,
    );
  /** The whole-row entity loader's rows as GraphQL objects, once per request and list. */
  const mappedOnce = <E, N>(loader: () => DataLoader<string, E[]>, map: (entity: E) => N) => {
    let mapped: ListLoader<N> | undefined;
    return () => {
      mapped ??= { load: async (key) => (await loader().load(key)).map(map) };
      return mapped;
    };
  };
  const loaders: Loaders = {
    member: one(MemberEntity, "memberKey", (row) => visibility.canList(row)),
    phonesByMember: many(MemberPhoneEntity, "memberKey", byPosition),
    socialLinksByMember: many(MemberSocialLinkEntity, "memberKey", byPosition),
    demographicsByMember: many(MemberDemographicEntity, "memberKey", byPosition),
    educationByMember: many(MemberEducationEntity, "memberKey", byPosition),
    jobHistoryByMember: many(MemberJobEntity, "memberKey", byPosition),
    purchasesByMember: many(MemberPurchaseEntity, "memberKey", byPosition),
    communityMembershipsByMember: communityMemberships(undefined, membershipEntity(CommunityMembershipEntity, undefined), () =>
      visibility.communityTermRule<CommunityMembershipEntity, CommunityEntity>(),
    ),
    securityGroupMembershipsByMember: securityGroupMemberships(undefined, membershipEntity(SecurityGroupMembershipEntity, undefined)),
    community: one(CommunityEntity, "communityKey"),
    communityChildren: many(CommunityEntity, "parentKey", ["name", "communityKey"]),
    communityRoster: createRosterLoaders(dataSource, CommunityMembershipEntity, "communityKey", (sql) => [
      visibility.membersCondition(sql, "m"),
      visibility.communityRosterCondition(sql, "r"),
    ]),
    securityGroup: one(SecurityGroupEntity, "groupKey"),
    securityGroupRoster: createRosterLoaders(dataSource, SecurityGroupMembershipEntity, "groupKey", (sql) => [
      visibility.membersCondition(sql, "m"),
    ]),
    event: one(EventEntity, "eventKey"),
    completionsByMember: new DataLoader((keys) => completions.byMembers(keys), { maxBatchSize: MAX_BATCH }),
    lists: {
      // Hot lists: their narrowed rows become the GraphQL objects directly, with no entity between.
      phones: listOf(
        "phones",
        mappedOnce(() => loaders.phonesByMember, toPhone),
        (c) => many(MemberPhoneEntity, "memberKey", byPosition, c.child, (row, values) => phoneFrom(row, values.of)),
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
      communityMemberships: listOf(
        "communityMemberships",
        mappedOnce(() => loaders.communityMembershipsByMember, toCommunityMembership),
        (c) =>
          communityMemberships(
            c,
            (row, values, joined) => communityMembershipFrom(row, values.of, joined),
            () => visibility.communityTermRule<CommunityMembership, CommunityEntity>(),
          ),
      ),
      securityGroupMemberships: listOf(
        "securityGroupMemberships",
        mappedOnce(() => loaders.securityGroupMembershipsByMember, toSecurityGroupMembership),
        (c) => securityGroupMemberships(c, (row, values, joined) => securityGroupMembershipFrom(row, values.of, joined)),
      ),
    },
  };
  return loaders;
}
