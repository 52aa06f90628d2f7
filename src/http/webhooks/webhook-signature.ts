import { createHash, timingSafeEqual } from "node:crypto";
import type { Webhook } from "standardwebhooks";

/** Standard Webhooks' tolerance either side of now. */
export const TOLERANCE_MS = 5 * 60_000;
/** Unix seconds, as the spec writes them (no sign, no fraction). */
const UNIX_SECONDS = /^\d{1,12}$/;

export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * Null when any secret signed this delivery within the tolerance of `nowMs`; otherwise why not
 * (never which secret came close). The library's own `verify` reads `Date.now()` for the
 * replay window and cannot be told otherwise, so the window is judged here against the
 * injected clock, and the library only computes the expected HMAC (`sign`). Signatures are
 * compared in constant time, hashed to one length first.
 */
export function checkSignature(verifiers: readonly Webhook[], raw: Buffer, headers: SignatureHeaders, nowMs: number): string | null {
  const id = headers["webhook-id"];
  const stamp = headers["webhook-timestamp"];
  const signature = headers["webhook-signature"];
  if (!id || !stamp || !signature) return "webhook-id, webhook-timestamp and webhook-signature are required";
  if (!UNIX_SECONDS.test(stamp)) return "The webhook signature headers are malformed";
  const sentAt = new Date(Number(stamp) * 1000);
  if (Math.abs(nowMs - sentAt.getTime()) > TOLERANCE_MS) return "The webhook timestamp is outside the 5-minute tolerance";
  const passed = signature
    .split(" ")
    .map((entry) => entry.split(","))
    .filter(([version, value]) => version === "v1" && value !== undefined && value !== "")
    .map(([, value]) => digest(value!));
  if (passed.length === 0) return "The webhook signature headers are malformed";
  let matched = false;
  for (const verifier of verifiers) {
    const expected = digest(verifier.sign(id, sentAt, raw).split(",")[1]!);
    // Every pair is compared, so timing says nothing of which secret or signature matched.
    for (const candidate of passed) if (timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? null : "The webhook signature does not verify";
}
