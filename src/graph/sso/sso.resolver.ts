import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";

import { MemberEntity } from "../../db/entities/member.entity";
import { SsoMethod } from "../../sso/sso-method";
import type { GraphContext } from "../context";
import { GraphError, GraphErrorCode } from "../graph.error";
import { toMember } from "../member/member.mapper";
import { Member } from "../member/member.type";
import { canListMember } from "../visibility";
import { ExchangeSsoTokenInput, Me, Session } from "./sso.types";

@Resolver(() => Session)
export class SessionResolver {
  @Mutation(() => Session, {
    description: "Signs on: exchanges an AMS token or credentials for a short-lived session. Public.",
  })
  async exchangeSsoToken(
    @Arg("input", () => ExchangeSsoTokenInput) input: ExchangeSsoTokenInput,
    @Ctx() ctx: GraphContext,
  ): Promise<Session> {
    const result = await ctx.services.sso.exchange(input, { clientAddress: ctx.origin.clientAddress });
    return Object.assign(new Session(), result);
  }

  @Authorized()
  @Mutation(() => Session, {
    description:
      "A fresh access token for the current session (up to its maximum age). On a WebSocket, also extends the " +
      "connection; pass accessToken to switch the connection to a newer token of the same member.",
  })
  async renewSession(
    @Arg("accessToken", () => String, { nullable: true }) accessToken: string | null,
    @Ctx() ctx: GraphContext,
  ): Promise<Session> {
    const { viewer } = ctx;
    const { sessions } = ctx.services;
    if (viewer.kind !== "session" || viewer.memberKey === null) {
      throw new GraphError(GraphErrorCode.FORBIDDEN, "renewSession needs a signed-in session, not an API key");
    }
    let issued: { accessToken: string; expiresAt: Date };
    if (accessToken) {
      const claims = await sessions.claims(accessToken);
      if (!claims || claims.memberKey !== viewer.memberKey) {
        throw new GraphError(GraphErrorCode.UNAUTHENTICATED, "The new access token is not valid for this session");
      }
      issued = { accessToken, expiresAt: claims.expiresAt };
    } else {
      issued = await ctx.services.sso.renew(viewer.memberKey, viewer.authTime ?? new Date(0), viewer.sessionId);
    }
    const renewed = await sessions.verify(issued.accessToken);
    if (!renewed) throw new GraphError(GraphErrorCode.UNAUTHENTICATED, "The session has reached its maximum age; sign in again");
    ctx.origin.connection?.adopt(renewed);
    return Object.assign(new Session(), { ...issued, memberKey: viewer.memberKey });
  }

  @FieldResolver(() => Member, { nullable: true, description: "The signed-in member, with contact fields and security groups." })
  async member(@Root() session: Session, @Ctx() ctx: GraphContext): Promise<Member | null> {
    // Judged for the new session, not the (usually anonymous) caller of exchangeSsoToken.
    const visibleTo = await ctx.services.sessions.verify(session.accessToken);
    if (!visibleTo) return null;
    const entity = await ctx.services.dataSource.getRepository(MemberEntity).findOneBy({ memberKey: session.memberKey });
    if (!entity || !canListMember(visibleTo, entity)) return null;
    // The member's own memberships lead back to it through the loader.
    ctx.loaders.member.prime(entity.memberKey, entity);
    return Object.assign(toMember(entity), { visibleTo });
  }
}

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me, { description: "Who the current credentials say you are." })
  me(@Ctx() ctx: GraphContext): Me {
    const { viewer } = ctx;
    return Object.assign(new Me(), {
      roles: [...viewer.roles],
      kind: viewer.kind,
      expiresAt: viewer.expiresAt,
      memberKey: viewer.memberKey,
    });
  }

  @FieldResolver(() => Member, { nullable: true, description: "Your member record (null for API keys and anonymous callers)." })
  async member(@Root() me: Me, @Ctx() ctx: GraphContext): Promise<Member | null> {
    if (!me.memberKey) return null;
    const entity = await ctx.loaders.member.load(me.memberKey);
    return entity ? toMember(entity) : null;
  }

  @Query(() => [SsoMethod], { description: "The sign-on methods this gateway accepts." })
  ssoMethods(@Ctx() ctx: GraphContext): SsoMethod[] {
    return ctx.services.sso.enabledMethods();
  }

  @Query(() => String, {
    description: "The Personify login URL that returns the browser to returnUrl (which must be an allowed origin).",
  })
  async personifyLoginUrl(@Arg("returnUrl") returnUrl: string, @Ctx() ctx: GraphContext): Promise<string> {
    return ctx.services.sso.buildLoginUrl(SsoMethod.PERSONIFY, returnUrl);
  }
}
