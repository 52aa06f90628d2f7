import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { PresharedKey } from "../../config/sso.config";

/**
 * The PRESHARED_KEY token, format v1 (full description in `preshared-key.format.md`):
 *
 * `v1.<keyId>.<base64url nonce(12)>.<base64url ciphertext>.<base64url tag(16)>`
 *
 * AES-256-GCM over the UTF-8 JSON `{ "sub", "iat", "exp", "jti" }`, with the ASCII bytes of
 * `v1.<keyId>` as additional authenticated data so the version and key id cannot be swapped.
 */
export const PRESHARED_TOKEN_VERSION = "v1";

/** What a token asserts. Times are Unix seconds. */
export interface PresharedKeyClaims {
  /** The member key. */
  sub: string;
  iat: number;
  exp: number;
  /** Random, unique per token: the single-use check is keyed on it. */
  jti: string;
}

/** Why a token did not open; for logs only, never for the client. */
export type PresharedKeyOpenFailure = "malformed" | "unknown version" | "unknown key id" | "authentication failed" | "invalid claims";

export type PresharedKeyOpenResult =
  | { ok: true; keyId: string; claims: PresharedKeyClaims }
  | { ok: false; reason: PresharedKeyOpenFailure; keyId?: string };

/** Longest token accepted; bounds the work a forged token can cause. */
export const MAX_PRESHARED_TOKEN_LENGTH = 4096;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const JTI_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
// C0 controls, DEL and C1 controls: never part of a member key.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Encrypts and authenticates `claims` under `key`. Throws on claims the verifier would refuse. */
export function sealPresharedKeyToken(key: PresharedKey, claims: PresharedKeyClaims): string {
  if (!KEY_ID_PATTERN.test(key.id) || key.secret.length !== KEY_BYTES) {
    throw new TypeError("a preshared key needs an id of 1-32 letters, digits, _ or - and a 32-byte secret");
  }
  if (!areValidClaims(claims)) throw new TypeError("the token claims are not valid (see preshared-key.format.md)");
  const header = `${PRESHARED_TOKEN_VERSION}.${key.id}`;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.secret, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(header, "ascii"));
  const plaintext = JSON.stringify({ sub: claims.sub, iat: claims.iat, exp: claims.exp, jti: claims.jti });
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [header, nonce.toString("base64url"), ciphertext.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** Parses, decrypts and authenticates a token; checks claim shapes but not times or single use. */
export function openPresharedKeyToken(token: string, keys: readonly PresharedKey[]): PresharedKeyOpenResult {
  if (token.length > MAX_PRESHARED_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
  const fields = token.split(".");
  if (fields.length !== 5) return { ok: false, reason: "malformed" };
  const [version, keyId, nonceText, ciphertextText, tagText] = fields as [string, string, string, string, string];
  if (version !== PRESHARED_TOKEN_VERSION) return { ok: false, reason: "unknown version" };
  const key = keys.find((candidate) => candidate.id === keyId);
  if (key === undefined) return { ok: false, reason: "unknown key id" };
  const nonce = decodeCanonical(nonceText);
  const ciphertext = decodeCanonical(ciphertextText);
  const tag = decodeCanonical(tagText);
  if (nonce?.length !== NONCE_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined || ciphertext.length === 0) {
    return { ok: false, reason: "malformed", keyId };
  }
  const plaintext = decrypt(key, `${version}.${keyId}`, nonce, ciphertext, tag);
  if (plaintext === undefined) return { ok: false, reason: "authentication failed", keyId };
  const claims = parseClaims(plaintext);
  if (claims === undefined) return { ok: false, reason: "invalid claims", keyId };
  return { ok: true, keyId, claims };
}

function decrypt(key: PresharedKey, header: string, nonce: Buffer, ciphertext: Buffer, tag: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.secret, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(header, "ascii"));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    return undefined;
  }
}

/** Node's decoder skips characters it does not know; insisting on the canonical text makes every byte count. */
function decodeCanonical(text: string): Buffer | undefined {
  if (!BASE64URL_PATTERN.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}

function parseClaims(plaintext: string): PresharedKeyClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).sort().join(",") !== "exp,iat,jti,sub") return undefined;
  const claims = { sub: record.sub, iat: record.iat, exp: record.exp, jti: record.jti };
  return areValidClaims(claims) ? claims : undefined;
}

function areValidClaims(claims: Record<keyof PresharedKeyClaims, unknown>): claims is PresharedKeyClaims {
  const { sub, iat, exp, jti } = claims;
  return (
    typeof sub === "string" &&
    sub.length >= 1 &&
    sub.length <= 128 &&
    sub.trim() === sub &&
    !CONTROL_CHARACTERS.test(sub) &&
    isUnixSeconds(iat) &&
    isUnixSeconds(exp) &&
    exp > iat &&
    typeof jti === "string" &&
    JTI_PATTERN.test(jti)
  );
}

function isUnixSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
