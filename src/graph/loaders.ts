import DataLoader from "dataloader";
import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { RowReader } from "../db/row-reader";
import {
  CommunityEntity,
  CommunityMembershipEntity,
  EventEntity,
  MemberDemographicEntity,
  MemberEntity,
  MemberPhoneEntity,
  MemberSocialLinkEntity,
  SecurityGroupEntity,
  SecurityGroupMembershipEntity,
} from "../db/entities";
import { createRosterLoaders, type MemberRestriction, type RosterLoaders } from "./pagination/roster.loader";

/** One batched read per kind per tick; created per request so nothing leaks between viewers. */
export interface Loaders {
  member: DataLoader<string, MemberEntity | null>;
  phonesByMember: DataLoader<string, MemberPhoneEntity[]>;
  socialLinksByMember: DataLoader<string, MemberSocialLinkEntity[]>;
  demographicsByMember: DataLoader<string, MemberDemographicEntity[]>;
  communityMembershipsByMember: DataLoader<string, CommunityMembershipEntity[]>;
  securityGroupMembershipsByMember: DataLoader<string, SecurityGroupMembershipEntity[]>;
  community: DataLoader<string, CommunityEntity | null>;
  communityChildren: DataLoader<string, CommunityEntity[]>;
  communityRoster: RosterLoaders<CommunityMembershipEntity>;
  securityGroup: DataLoader<string, SecurityGroupEntity | null>;
  securityGroupRoster: RosterLoaders<SecurityGroupMembershipEntity>;
  event: DataLoader<string, EventEntity | null>;
}

/** Large pages still make one statement each; MySQL and SQLite both take this many parameters. */
const MAX_BATCH = 1_000;

export interface LoaderScope {
  /** Applied to every roster, so a viewer never pages through members it may not list. */
  restrictMembers?: MemberRestriction;
}

export function createLoaders(dataSource: DataSource, scope: LoaderScope = {}): Loaders {
  const reader = new RowReader(dataSource);
  const columnOf = (entity: EntityTarget<ObjectLiteral>, property: string) =>
    reader.escape(dataSource.getMetadata(entity).findColumnWithPropertyName(property)!.databaseName);

  /** Rows whose `keyField` is one of `keys`, optionally with one joined parent per row. */
  const select = async <E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    keyField: string,
    keys: readonly string[],
    order: string[],
  ) => {
    const shape = reader.shape(entity);
    const sql =
      `SELECT ${shape.select("a")} FROM ${shape.table} a WHERE a.${columnOf(entity, keyField)} IN (${reader.placeholders(keys.length)})` +
      (order.length ? ` ORDER BY ${order.map((property) => `a.${columnOf(entity, property)}`).join(", ")}` : "");
    return (await reader.query(sql, [...keys])).map((row) => reader.hydrate(entity, "a", row));
  };

  const one = <E extends ObjectLiteral>(entity: EntityTarget<E>, keyField: keyof E & string) =>
    new DataLoader<string, E | null>(
      async (keys) => {
        const byKey = new Map((await select(entity, keyField, keys, [])).map((row) => [row[keyField] as string, row]));
        return keys.map((key) => byKey.get(key) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    );

  const group = <E extends ObjectLiteral>(keys: readonly string[], rows: E[], keyField: keyof E & string) => {
    const byKey = new Map<string, E[]>(keys.map((key) => [key, []]));
    for (const row of rows) byKey.get(row[keyField] as string)?.push(row);
    return keys.map((key) => byKey.get(key) ?? []);
  };

  const many = <E extends ObjectLiteral>(entity: EntityTarget<E>, keyField: keyof E & string, order: string[]) =>
    new DataLoader<string, E[]>(async (keys) => group(keys, await select(entity, keyField, keys, order), keyField), {
      maxBatchSize: MAX_BATCH,
    });

  /**
   * A member's memberships with their community (or group) in the same statement, priming the
   * parent loader, so `communities { community { name } }` costs one statement, not two.
   */
  const withParent = <E extends ObjectLiteral, P extends ObjectLiteral>(
    entity: EntityTarget<E>,
    parent: EntityTarget<P>,
    joinField: keyof E & string,
    parentKey: keyof P & string,
    parentLoader: () => DataLoader<string, P | null>,
  ) =>
    new DataLoader<string, E[]>(
      async (keys) => {
        const child = reader.shape(entity);
        const owner = reader.shape(parent);
        const sql =
          `SELECT ${child.select("a")}, ${owner.select("p")} FROM ${child.table} a ` +
          `JOIN ${owner.table} p ON p.${columnOf(parent, parentKey)} = a.${columnOf(entity, joinField)} ` +
          `WHERE a.${columnOf(entity, "memberKey")} IN (${reader.placeholders(keys.length)}) ` +
          `ORDER BY a.${columnOf(entity, "memberKey")}, a.${columnOf(entity, "position")}`;
        const rows = await reader.query(sql, [...keys]);
        const loader = parentLoader();
        // A few dozen communities recur across a page's memberships: convert each one once.
        const parentColumn = `p__${dataSource.getMetadata(parent).findColumnWithPropertyName(parentKey)!.databaseName}`;
        const seen = new Set<string>();
        const children = rows.map((row) => {
          const key = String(row[parentColumn]);
          if (!seen.has(key)) {
            seen.add(key);
            loader.prime(key, reader.hydrate(parent, "p", row));
          }
          return reader.hydrate(entity, "a", row);
        });
        return group(keys, children, "memberKey" as keyof E & string);
      },
      { maxBatchSize: MAX_BATCH },
    );

  const byPosition = ["memberKey", "position"];
  const loaders: Loaders = {
    member: one(MemberEntity, "memberKey"),
    phonesByMember: many(MemberPhoneEntity, "memberKey", byPosition),
    socialLinksByMember: many(MemberSocialLinkEntity, "memberKey", byPosition),
    demographicsByMember: many(MemberDemographicEntity, "memberKey", byPosition),
    communityMembershipsByMember: withParent(CommunityMembershipEntity, CommunityEntity, "communityKey", "communityKey", () => loaders.community),
    securityGroupMembershipsByMember: withParent(SecurityGroupMembershipEntity, SecurityGroupEntity, "groupKey", "groupKey", () => loaders.securityGroup),
    community: one(CommunityEntity, "communityKey"),
    communityChildren: many(CommunityEntity, "parentKey", ["name", "communityKey"]),
    communityRoster: createRosterLoaders(dataSource, CommunityMembershipEntity, "communityKey", scope.restrictMembers),
    securityGroup: one(SecurityGroupEntity, "groupKey"),
    securityGroupRoster: createRosterLoaders(dataSource, SecurityGroupMembershipEntity, "groupKey", scope.restrictMembers),
    event: one(EventEntity, "eventKey"),
  };
  return loaders;
}
