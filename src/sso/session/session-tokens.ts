import { randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { SessionConfig, SessionKey } from "../../config/session.config";
import type { BearerVerifier } from "../../auth/request-authenticator";
import { Role, type Viewer } from "../../auth/viewer";
import type { Clock } from "../../time/clock";
import type { SessionRevocations } from "./session-revocations";

const ISSUER = "amsgate";
const AUDIENCE = "amsgate";
const KNOWN_ROLES = new Set<string>(Object.values(Role));

export interface SessionClaims {
  memberKey: string;
  roles: Role[];
  /** When the member signed on; renewals keep it, so a session cannot be stretched forever. */
  authTime: Date;
  expiresAt: Date;
  /** One sign-on: renewals keep it, and signing out revokes it (every token of the sign-on). */
  sessionId: string;
}

export interface IssueOptions {
  /** The sign-on this token renews; a new sign-on gets a new id. */
  sessionId?: string;
  /** Lifetime instead of SESSION_TTL (cookie sessions), still bounded by the maximum age. */
  ttlMs?: number;
}

export interface IssuedSession {
  accessToken: string;
  expiresAt: Date;
  sessionId: string;
}

/**
 * Short-lived signed access tokens (JWS, HS256 via jose) carrying the member key and roles.
 * Signed with the first configured key and verified with any, chosen by key id, so keys
 * rotate without signing anyone out.
 */
export class SessionTokens implements BearerVerifier {
  private readonly byId: Map<string, SessionKey>;

  constructor(
    private readonly config: SessionConfig,
    private readonly clock: Clock,
    private readonly revocations?: SessionRevocations,
  ) {
    this.byId = new Map(config.keys.map((key) => [key.id, key]));
  }

  get enabled(): boolean {
    return this.config.keys.length > 0;
  }

  async issue(memberKey: string, roles: Role[], authTime: Date = this.clock.now(), options: IssueOptions = {}): Promise<IssuedSession> {
    const signing = this.config.keys[0];
    if (!signing) throw new Error("no session signing key is configured");
    const now = this.clock.now();
    const sessionId = options.sessionId ?? randomUUID();
    // Never past the session's maximum age, counted from the sign-on.
    const ttlMs = options.ttlMs ?? this.config.ttlMs;
    const expiresAt = new Date(Math.min(now.getTime() + ttlMs, authTime.getTime() + this.config.maxAgeMs));
    const accessToken = await new SignJWT({ roles, auth_time: Math.floor(authTime.getTime() / 1000), sid: sessionId })
      .setProtectedHeader({ alg: "HS256", kid: signing.id, typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(memberKey)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(signing.secret);
    return { accessToken, expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000), sessionId };
  }

  /**
   * The claims of a token this gateway issued and that is still good (not expired, not past the
   * maximum age, its session not signed out); undefined otherwise.
   */
  async claims(token: string): Promise<SessionClaims | undefined> {
    const claims = await this.signedClaims(token);
    if (!claims || !this.revocations) return claims;
    // Asked of the shared store on every request, so a sign-out holds in every process at once.
    return (await this.revocations.isRevoked(claims.sessionId)) ? undefined : claims;
  }

  /** Ends the session of `token` everywhere; false when the token is not a good session. */
  async revoke(token: string): Promise<boolean> {
    const claims = await this.claims(token);
    if (!claims) return false;
    if (!this.revocations) throw new Error("sessions cannot be revoked without a revocation store");
    // Kept until the sign-on's maximum age: no renewal of it can outlive that.
    await this.revocations.revoke(claims.sessionId, new Date(claims.authTime.getTime() + this.config.maxAgeMs));
    return true;
  }

  private async signedClaims(token: string): Promise<SessionClaims | undefined> {
    if (!this.enabled || token.split(".").length !== 3) return undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.byId.get(header.kid);
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key.secret;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], currentDate: this.clock.now(), requiredClaims: ["sub", "exp"] },
      );
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is Role => KNOWN_ROLES.has(String(role))) : [];
      const authTime = typeof payload.auth_time === "number" ? new Date(payload.auth_time * 1000) : new Date(0);
      if (this.clock.now().getTime() - authTime.getTime() > this.config.maxAgeMs) return undefined;
      // Tokens issued before sessions had ids are their own session.
      const sessionId = typeof payload.sid === "string" ? payload.sid : String(payload.jti ?? payload.sub);
      return { memberKey: payload.sub!, roles, authTime, expiresAt: new Date(payload.exp! * 1000), sessionId };
    } catch {
      // Whatever failed (signature, expiry, format), the answer is the same: not a session.
      return undefined;
    }
  }

  async verify(credential: string): Promise<Viewer | undefined> {
    const claims = await this.claims(credential);
    if (!claims) return undefined;
    return Object.freeze({
      kind: "session" as const,
      memberKey: claims.memberKey,
      roles: new Set<Role>([Role.PUBLIC, ...claims.roles]),
      expiresAt: claims.expiresAt,
      authTime: claims.authTime,
      sessionId: claims.sessionId,
    });
  }
}
