import { randomBytes } from "node:crypto";
import type { PresharedKey } from "../../config/sso.config";
import type { Clock } from "../../time/clock";
import { sealPresharedKeyToken } from "./preshared-key.format";

export interface MintPresharedKeyTokenOptions {
  clock: Clock;
  /** Lifetime; keep it short, and within the verifier's `SSO_PRESHARED_MAX_TTL`. */
  ttlSeconds: number;
  /** The `jti`; random (16 bytes, base64url) unless given. 16–128 of `A-Z a-z 0-9 _ -`. */
  tokenId?: string;
}

/**
 * Mints a PRESHARED_KEY token (format v1, see `preshared-key.format.md`) for `memberKey`: what the
 * association's website does, here for tests, tooling and websites written in TypeScript.
 * Throws `TypeError` for a member key, lifetime or token id the verifier would refuse.
 */
export function mintPresharedKeyToken(key: PresharedKey, memberKey: string, options: MintPresharedKeyTokenOptions): string {
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1) {
    throw new TypeError("ttlSeconds must be a whole number of at least 1");
  }
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  return sealPresharedKeyToken(key, {
    sub: memberKey,
    iat,
    exp: iat + options.ttlSeconds,
    jti: options.tokenId ?? randomBytes(16).toString("base64url"),
  });
}
