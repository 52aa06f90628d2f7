import { hkdfSync } from "node:crypto";
import { EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";
import type { Clock } from "../../time/clock";

/**
 * Short-lived encrypted and authenticated values (JWE, `dir` + A256GCM via jose) that only this
 * gateway can read or make: the login state a browser carries between login and callback, and
 * one-time login codes. The key is derived from the session signing key with HKDF and a purpose,
 * so a box made for one purpose never opens as another.
 */
export class SealedBox<T extends Record<string, unknown>> {
  private readonly key: Uint8Array;

  constructor(
    secret: Buffer,
    private readonly purpose: string,
    private readonly clock: Clock,
  ) {
    this.key = new Uint8Array(hkdfSync("sha256", secret, Buffer.alloc(0), `amsgate ${purpose}`, 32));
  }

  async seal(value: T, ttlMs: number): Promise<{ sealed: string; expiresAt: Date }> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + Math.max(1, Math.floor(ttlMs / 1000));
    const sealed = await new EncryptJWT({ v: value } as JWTPayload)
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", cty: this.purpose })
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .encrypt(this.key);
    return { sealed, expiresAt: new Date(exp * 1000) };
  }

  /** The value, or undefined when the box is not ours, was altered, or has expired. */
  async open(sealed: string): Promise<{ value: T; expiresAt: Date } | undefined> {
    try {
      const { payload, protectedHeader } = await jwtDecrypt(sealed, this.key, {
        currentDate: this.clock.now(),
        keyManagementAlgorithms: ["dir"],
        contentEncryptionAlgorithms: ["A256GCM"],
      });
      if (protectedHeader.cty !== this.purpose || typeof payload.v !== "object" || payload.v === null) return undefined;
      return { value: payload.v as T, expiresAt: new Date(payload.exp! * 1000) };
    } catch {
      return undefined;
    }
  }
}
