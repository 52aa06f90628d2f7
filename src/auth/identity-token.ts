import { errors, jwtVerify, SignJWT } from "jose";
import { AuthError, AuthErrorCode } from "./auth.error";
import { Role, type Viewer } from "./viewer";

/** The header amsgate's built-in gateway sends each subgraph the caller's identity in. */
export const IDENTITY_HEADER = "x-amsgate-identity";

const ISSUER = "amsgate";
const ALGORITHM = "HS256";

/** Who the caller is, as a subgraph reads it from {@link IDENTITY_HEADER}. */
export interface ForwardedIdentity {
  kind: Viewer["kind"];
  /** The caller's member key; null for anonymous callers and API keys. */
  memberKey: string | null;
  roles: Role[];
}

export interface IdentityKey {
  /** The shared secret (32+ characters), `FEDERATION_IDENTITY_KEY`. */
  secret: string;
  /** The subgraph's name in `FEDERATION_SUBGRAPHS`: a token for one subgraph is refused by another. */
  audience: string;
}

const secretOf = (key: IdentityKey) => new TextEncoder().encode(key.secret);

/** A short-lived HS256 JWT naming the viewer, for one subgraph. */
export async function signIdentity(viewer: Viewer, key: IdentityKey, now: Date, ttlSeconds: number): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const claims = { kind: viewer.kind, roles: [...viewer.roles] };
  const token = new SignJWT(claims).setProtectedHeader({ alg: ALGORITHM }).setIssuer(ISSUER).setAudience(key.audience);
  if (viewer.memberKey !== null) token.setSubject(viewer.memberKey);
  return token
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(secretOf(key));
}

/**
 * For subgraphs behind amsgate's built-in gateway: the identity in {@link IDENTITY_HEADER}, checked
 * (signature, issuer, audience, expiry). A missing, forged, expired or misdirected token is
 * INVALID_CREDENTIALS; treat the request as unauthenticated.
 */
export async function verifyIdentity(token: string | undefined, key: IdentityKey, now: Date = new Date()): Promise<ForwardedIdentity> {
  if (!token) throw new AuthError(AuthErrorCode.INVALID_CREDENTIALS, "No forwarded identity");
  try {
    const { payload } = await jwtVerify(token, secretOf(key), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: key.audience,
      currentDate: now,
      requiredClaims: ["exp", "iat"],
    });
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is Role => Object.values(Role).includes(role as Role))
      : [];
    const kind = payload.kind === "session" || payload.kind === "api-key" ? payload.kind : "anonymous";
    return { kind, memberKey: typeof payload.sub === "string" ? payload.sub : null, roles };
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new AuthError(AuthErrorCode.INVALID_CREDENTIALS, "Forwarded identity refused");
    throw error;
  }
}
