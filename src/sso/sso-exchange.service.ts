import type { DataSource } from "typeorm";
import type { Logger } from "../observability/logger";
import type { SyncService } from "../sync/sync.service";
import { findMember, rolesOf } from "./member-roles";
import type { IssuedSession, IssueOptions, SessionTokens } from "./session/session-tokens";
import { SsoError, SsoErrorCode } from "./sso.error";
import type { SsoExchangeInput, SsoMethod, SsoMethodHandler, SsoRequestInfo } from "./sso-method";

export interface ExchangeResult extends IssuedSession {
  memberKey: string;
}

/**
 * `exchangeSsoToken`: a method turns its proof into a member key; the login-triggered refresh
 * (DESIGN §4.8) decides whether to answer at once or refresh first; a session is signed.
 * Refusals are logged with the method, the code and the client address, never the proof.
 */
export class SsoExchangeService {
  private readonly handlers: Map<SsoMethod, SsoMethodHandler>;

  constructor(
    private readonly deps: {
      handlers: SsoMethodHandler[];
      sessions: SessionTokens;
      sync: SyncService;
      dataSource: DataSource;
      logger: Logger;
      loginRefreshWaitMs: number;
    },
  ) {
    this.handlers = new Map(deps.handlers.map((handler) => [handler.method, handler]));
  }

  enabledMethods(): SsoMethod[] {
    return [...this.handlers.keys()];
  }

  /**
   * The login redirect of `method`, for methods that sign on through one (see
   * `SsoMethodHandler.buildLoginUrl`); `SsoError(METHOD_DISABLED)` when the method is not
   * configured or builds no redirect.
   */
  async buildLoginUrl(method: SsoMethod, returnUrl: string): Promise<string> {
    const handler = this.handlers.get(method);
    if (!handler) throw new SsoError(SsoErrorCode.METHOD_DISABLED, `${method} sign-on is not configured`);
    if (!handler.buildLoginUrl) throw new SsoError(SsoErrorCode.METHOD_DISABLED, `${method} sign-on does not use a login redirect`);
    return handler.buildLoginUrl(returnUrl);
  }

  /**
   * The member key a token method makes of `token`, without signing on: for a browser sign-on
   * whose session variable is one of these tokens. Refusals are logged like {@link exchange}'s.
   */
  async resolveProof(method: SsoMethod, token: string, request: SsoRequestInfo): Promise<string> {
    try {
      const handler = this.handlers.get(method);
      if (!handler) throw new SsoError(SsoErrorCode.METHOD_DISABLED, `Sign-on method ${method} is not enabled on this gateway`);
      return (await handler.resolve({ method, token }, request)).memberKey;
    } catch (error) {
      const code = error instanceof SsoError ? error.code : "UNEXPECTED";
      this.deps.logger.warn({ method, code, clientAddress: request.clientAddress }, "sign-on refused");
      throw error;
    }
  }

  async exchange(input: SsoExchangeInput, request: SsoRequestInfo): Promise<ExchangeResult> {
    try {
      const handler = this.handlers.get(input.method);
      if (!handler || !this.deps.sessions.enabled) {
        throw new SsoError(SsoErrorCode.METHOD_DISABLED, `Sign-on method ${input.method} is not enabled on this gateway`);
      }
      const { memberKey } = await handler.resolve(input, request);
      const member = await this.admit(memberKey);
      const session = await this.deps.sessions.issue(memberKey, await rolesOf(this.deps.dataSource, member));
      this.deps.logger.info({ method: input.method, memberKey, clientAddress: request.clientAddress }, "signed on");
      return { ...session, memberKey };
    } catch (error) {
      const code = error instanceof SsoError ? error.code : "UNEXPECTED";
      this.deps.logger.warn({ method: input.method, code, clientAddress: request.clientAddress }, "sign-on refused");
      throw error;
    }
  }

  /**
   * A fresh token for a signed-in member: roles are read again (they may have changed), a
   * member disabled since is refused, and the sign-on time is kept so renewals cannot stretch a
   * session past its maximum age.
   */
  async renew(memberKey: string, authTime: Date, sessionId?: string): Promise<IssuedSession> {
    const member = await findMember(this.deps.dataSource, memberKey);
    if (!member || member.status === "DISABLED") {
      throw new SsoError(SsoErrorCode.MEMBER_DISABLED, "This member may no longer sign in");
    }
    return this.deps.sessions.issue(memberKey, await rolesOf(this.deps.dataSource, member), authTime, { sessionId });
  }

  /**
   * Sign-on of a member key a redirect flow has already proven (`label` names the provider in
   * logs): the same login refresh and refusals as {@link exchange}, then a session.
   */
  async signOnResolved(
    label: string,
    memberKey: string,
    request: SsoRequestInfo,
    options: Pick<IssueOptions, "ttlMs"> = {},
  ): Promise<ExchangeResult> {
    try {
      if (!this.deps.sessions.enabled) throw new SsoError(SsoErrorCode.METHOD_DISABLED, "Sessions are not enabled on this gateway");
      const member = await this.admit(memberKey);
      const session = await this.deps.sessions.issue(memberKey, await rolesOf(this.deps.dataSource, member), undefined, options);
      this.deps.logger.info({ method: label, memberKey, clientAddress: request.clientAddress }, "signed on");
      return { ...session, memberKey };
    } catch (error) {
      const code = error instanceof SsoError ? error.code : "UNEXPECTED";
      this.deps.logger.warn({ method: label, code, clientAddress: request.clientAddress }, "sign-on refused");
      throw error;
    }
  }

  /**
   * A known, enabled member is answered now and refreshed in the background: the refresh is
   * queued (committed) before the answer, so a crash or a drain right after it still finds it,
   * but a queue that cannot take it never refuses the sign-on. An unknown or disabled member is
   * refreshed first (bounded wait), then admitted or refused.
   */
  private async admit(memberKey: string) {
    const { dataSource, sync, logger } = this.deps;
    const known = await findMember(dataSource, memberKey);
    if (known && known.status !== "DISABLED") {
      await sync
        .refreshMember(memberKey, { wait: false, reason: "LOGIN" })
        .catch((error: unknown) => logger.warn({ err: error, memberKey }, "login refresh could not be queued"));
      return known;
    }
    const run = await sync.refreshMember(memberKey, { wait: true, reason: "LOGIN", waitMs: this.deps.loginRefreshWaitMs });
    const refreshed = await findMember(dataSource, memberKey);
    if (!refreshed && run.blocked) {
      throw new SsoError(SsoErrorCode.PROVIDER_UNAVAILABLE, "The AMS is unavailable, so this sign-on cannot be checked; try again later");
    }
    if (!refreshed) throw new SsoError(SsoErrorCode.MEMBER_NOT_FOUND, "No member matches this sign-on");
    if (refreshed.status === "DISABLED") throw new SsoError(SsoErrorCode.MEMBER_DISABLED, "This member may not sign in");
    return refreshed;
  }
}
