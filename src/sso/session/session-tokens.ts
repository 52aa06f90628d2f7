import { randomUUID } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { SessionConfig, SessionKey } from "../../config/session.config";
import type { BearerVerifier } from "../../auth/request-authenticator";
import { Role, type Viewer } from "../../auth/viewer";
import type { Clock } from "../../time/clock";

const ISSUER = "amsgate";
const AUDIENCE = "amsgate";
const KNOWN_ROLES = new Set<string>(Object.values(Role));

export interface SessionClaims {
  memberKey: string;
  roles: Role[];
  /** When the member signed on; renewals keep it, so a session cannot be stretched forever. */
  authTime: Date;
  expiresAt: Date;
}

export interface IssuedSession {
  accessToken: string;
  expiresAt: Date;
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
  ) {
    this.byId = new Map(config.keys.map((key) => [key.id, key]));
  }

  get enabled(): boolean {
    return this.config.keys.length > 0;
  }

  async issue(memberKey: string, roles: Role[], authTime: Date = this.clock.now()): Promise<IssuedSession> {
    const signing = this.config.keys[0];
    if (!signing) throw new Error("no session signing key is configured");
    const now = this.clock.now();
    // Never past the session's maximum age, counted from the sign-on.
    const expiresAt = new Date(Math.min(now.getTime() + this.config.ttlMs, authTime.getTime() + this.config.maxAgeMs));
    const accessToken = await new SignJWT({ roles, auth_time: Math.floor(authTime.getTime() / 1000) })
      .setProtectedHeader({ alg: "HS256", kid: signing.id, typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(memberKey)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(signing.secret);
    return { accessToken, expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) };
  }

  /** The claims of a token this gateway issued and that is still good; undefined otherwise. */
  async claims(token: string): Promise<SessionClaims | undefined> {
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
      return { memberKey: payload.sub!, roles, authTime, expiresAt: new Date(payload.exp! * 1000) };
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
    });
  }
}
