import DataLoader from "dataloader";
import { type DataSource, type EntityTarget, In, type ObjectLiteral } from "typeorm";
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
  const one = <E extends ObjectLiteral>(entity: EntityTarget<E>, keyField: keyof E & string) =>
    new DataLoader<string, E | null>(
      async (keys) => {
        const rows = await dataSource.getRepository(entity).find({ where: { [keyField]: In([...keys]) } as never });
        const byKey = new Map(rows.map((row) => [row[keyField] as string, row]));
        return keys.map((key) => byKey.get(key) ?? null);
      },
      { maxBatchSize: MAX_BATCH },
    );

  const many = <E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    keyField: keyof E & string,
    order: Partial<Record<keyof E, "ASC" | "DESC">>,
  ) =>
    new DataLoader<string, E[]>(
      async (keys) => {
        const rows = await dataSource
          .getRepository(entity)
          .find({ where: { [keyField]: In([...keys]) } as never, order: order as never });
        const byKey = new Map<string, E[]>(keys.map((key) => [key, []]));
        for (const row of rows) byKey.get(row[keyField] as string)?.push(row);
        return keys.map((key) => byKey.get(key) ?? []);
      },
      { maxBatchSize: MAX_BATCH },
    );

  const byPosition = { memberKey: "ASC", position: "ASC" } as const;
  return {
    member: one(MemberEntity, "memberKey"),
    phonesByMember: many(MemberPhoneEntity, "memberKey", byPosition),
    socialLinksByMember: many(MemberSocialLinkEntity, "memberKey", byPosition),
    demographicsByMember: many(MemberDemographicEntity, "memberKey", byPosition),
    communityMembershipsByMember: many(CommunityMembershipEntity, "memberKey", byPosition),
    securityGroupMembershipsByMember: many(SecurityGroupMembershipEntity, "memberKey", byPosition),
    community: one(CommunityEntity, "communityKey"),
    communityChildren: many(CommunityEntity, "parentKey", { name: "ASC", communityKey: "ASC" }),
    communityRoster: createRosterLoaders(dataSource, CommunityMembershipEntity, "communityKey", scope.restrictMembers),
    securityGroup: one(SecurityGroupEntity, "groupKey"),
    securityGroupRoster: createRosterLoaders(
      dataSource,
      SecurityGroupMembershipEntity,
      "groupKey",
      scope.restrictMembers,
    ),
    event: one(EventEntity, "eventKey"),
  };
}
