import { createHash, timingSafeEqual } from "node:crypto";
import type { JWTPayload } from "jose";

/**
 * The claim at a dotted path (`ams.memberKey`), reading own properties only so a path can never
 * reach `__proto__` or inherited members.
 */
export function claimAt(payload: JWTPayload, path: string): unknown {
  let current: unknown = payload;
  for (const segment of path.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

// C0 controls, DEL and C1 controls: never part of a member key.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A claim value usable as a member key: a non-blank string of at most 128 characters, or a whole number. */
export function asMemberKey(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const key = value.trim();
  if (key === "" || key.length > 128 || CONTROL_CHARACTERS.test(key)) return undefined;
  return key;
}

/** Compares nonces in constant time (hashing first makes the lengths equal). */
export function nonceMatches(expected: string, actual: unknown): boolean {
  if (typeof actual !== "string") return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

/**
 * What makes an ID token single-use: its `jti` (unique per issuer), or, for providers that send
 * none, the issuer, subject, issue time and nonce together. Hashed, so the stored id has a fixed
 * length whatever the provider sends and holds no claim values.
 */
export function singleUseId(payload: JWTPayload): string {
  const parts =
    typeof payload.jti === "string" && payload.jti !== ""
      ? ["jti", payload.iss, payload.jti]
      : ["iss-sub-iat-nonce", payload.iss, payload.sub, payload.iat, payload.nonce];
  return createHash("sha256").update(JSON.stringify(parts), "utf8").digest("hex");
}
