import { Ctx, FieldResolver, type MiddlewareFn, Resolver, Root, UseMiddleware } from "type-graphql";
import type { Viewer } from "../../auth/viewer";
import type { MemberPurchaseEntity } from "../../db/entities/member-purchase.entity";
import { isActiveOn, toCommunity } from "../community/community.mapper";
import { Community } from "../community/community.type";
import type { GraphContext } from "../context";
import { Member } from "../member/member.type";
import { toSecurityGroup } from "../security-group/security-group.mapper";
import { SecurityGroup } from "../security-group/security-group.type";
import { canSeePurchases } from "../visibility";
import { Entitlement, Purchase } from "./purchase.type";

/** Purchases and entitlements resolve to null for anyone but the member themself and admins. */
const PurchaseField = (({ root, context }, next) => {
  const member = root as { key?: string; visibleTo?: Viewer };
  if (member.key === undefined || !canSeePurchases(member.visibleTo ?? context.viewer, member.key)) return null;
  return next();
}) as MiddlewareFn<GraphContext>;

const toPurchase = (row: MemberPurchaseEntity): Purchase =>
  Object.assign(new Purchase(), {
    productCode: row.productCode,
    productName: row.productName,
    orderDate: row.orderDate,
    status: row.status,
    quantity: row.quantity,
    termBegin: row.termBegin,
    termEnd: row.termEnd,
  });

@Resolver(() => Member)
export class MemberCommerceResolver {
  @UseMiddleware(PurchaseField)
  @FieldResolver(() => [Purchase], {
    nullable: true,
    description: "Product orders, in the AMS's order. Null for anyone but the member themself and admins.",
  })
  async purchases(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<Purchase[]> {
    return (await ctx.loaders.purchasesByMember.load(member.key)).map(toPurchase);
  }

  @UseMiddleware(PurchaseField)
  @FieldResolver(() => [Entitlement], {
    nullable: true,
    description:
      "What the member may access because of purchases: the memberships the purchase rules grant, with their terms. " +
      "Null for anyone but the member themself and admins.",
  })
  async entitlements(@Root() member: Member, @Ctx() ctx: GraphContext): Promise<Entitlement[]> {
    const [communities, groups, purchases] = await Promise.all([
      ctx.loaders.communityMembershipsByMember.load(member.key),
      ctx.loaders.securityGroupMembershipsByMember.load(member.key),
      ctx.loaders.purchasesByMember.load(member.key),
    ]);
    const today = ctx.services.clock.today();
    const nameOf = new Map(purchases.map((row) => [row.productCode.toLowerCase(), row.productName]));
    const entitlement = (
      kind: Entitlement["kind"],
      row: { grantedBy: string | null; beginDate: string | null; endDate: string | null },
      grantKey: string,
    ) =>
      Object.assign(new Entitlement(), {
        productCode: row.grantedBy!,
        productName: nameOf.get(row.grantedBy!.toLowerCase()) ?? null,
        kind,
        grantKey,
        beginDate: row.beginDate,
        endDate: row.endDate,
        activeNow: isActiveOn(row, today),
      });
    return [
      ...communities.filter((row) => row.grantedBy !== null).map((row) => entitlement("COMMUNITY", row, row.communityKey)),
      ...groups.filter((row) => row.grantedBy !== null).map((row) => entitlement("SECURITY_GROUP", row, row.groupKey)),
    ];
  }
}

@Resolver(() => Entitlement)
export class EntitlementResolver {
  @FieldResolver(() => Community, { nullable: true, description: "Set when kind is COMMUNITY." })
  async community(@Root() entitlement: Entitlement, @Ctx() ctx: GraphContext): Promise<Community | null> {
    if (entitlement.kind !== "COMMUNITY") return null;
    const row = await ctx.loaders.community.load(entitlement.grantKey);
    return row ? toCommunity(row) : null;
  }

  @FieldResolver(() => SecurityGroup, { nullable: true, description: "Set when kind is SECURITY_GROUP." })
  async securityGroup(@Root() entitlement: Entitlement, @Ctx() ctx: GraphContext): Promise<SecurityGroup | null> {
    if (entitlement.kind !== "SECURITY_GROUP") return null;
    const row = await ctx.loaders.securityGroup.load(entitlement.grantKey);
    return row ? toSecurityGroup(row) : null;
  }
}
