import { hash, timingSafeEqual } from "node:crypto";
import { AuthError, AuthErrorCode } from "./auth.error";
import { ANONYMOUS, API_KEY_VIEWER, LMS_KEY_VIEWER, type Viewer } from "./viewer";

/** Turns a bearer credential into a viewer; sessions plug in here (see `sso/`). */
export interface BearerVerifier {
  /** A viewer for a credential this verifier issued, undefined if it is not one of its own. */
  verify(credential: string): Promise<Viewer | undefined>;
}

/** SHA-256 of the text, one-shot: a Hash object per request cost more than the hash itself. */
const digest = (text: string): Buffer => hash("sha256", text, "buffer");

/**
 * Decides who is asking from an `Authorization: Bearer …` value (HTTP header, or graphql-ws
 * `connectionParams.authorization`). No credential is anonymous; a credential that is not good
 * is refused outright rather than quietly treated as anonymous.
 */
export class RequestAuthenticator {
  private readonly adminKeyDigests: Buffer[];
  private readonly lmsKeyDigests: Buffer[];

  constructor(
    adminApiKeys: readonly string[],
    private readonly verifiers: readonly BearerVerifier[] = [],
    /** Keys of learning systems (the LMS role); an admin key wins if one is in both lists. */
    lmsApiKeys: readonly string[] = [],
  ) {
    this.adminKeyDigests = adminApiKeys.map(digest);
    this.lmsKeyDigests = lmsApiKeys.map(digest);
  }

  /** The viewer for an authorization value; throws {@link AuthError} when it is malformed or not good. */
  async viewerFor(authorization: unknown): Promise<Viewer> {
    if (authorization === undefined || authorization === null || authorization === "") return ANONYMOUS;
    if (typeof authorization !== "string") throw refused(AuthErrorCode.MALFORMED_CREDENTIALS, "authorization must be a string");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw refused(AuthErrorCode.MALFORMED_CREDENTIALS, 'authorization must be "Bearer <credential>"');
    const credential = match[1]!;
    const candidate = digest(credential);
    // Both lists are always compared in full, so timing tells neither which list nor which key.
    const admin = matchesAny(candidate, this.adminKeyDigests);
    const lms = matchesAny(candidate, this.lmsKeyDigests);
    if (admin) return API_KEY_VIEWER;
    if (lms) return LMS_KEY_VIEWER;
    for (const verifier of this.verifiers) {
      const viewer = await verifier.verify(credential);
      if (viewer) return viewer;
    }
    throw refused(AuthErrorCode.INVALID_CREDENTIALS, "the credential is not valid or has expired");
  }
}

/** Compares digests in constant time, and always against every key, so timing tells nothing. */
function matchesAny(candidate: Buffer, digests: readonly Buffer[]): boolean {
  let found = false;
  for (const key of digests) found = timingSafeEqual(candidate, key) || found;
  return found;
}

function refused(code: AuthErrorCode, reason: string): AuthError {
  return new AuthError(code, `Not signed in: ${reason}`);
}
