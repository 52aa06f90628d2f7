import { createHash, timingSafeEqual } from "node:crypto";
import type { Response } from "express";

/** One pushed item that was not written, and why: named by the key its route reads. */
export interface ItemError {
  index: number;
  memberKey?: string | null;
  eventKey?: string | null;
  groupKey?: string | null;
  message: string;
}

/** Member keys a group push named that the cache does not hold: left out, never invented. */
export interface SkippedMembers {
  index: number;
  groupKey: string;
  memberKeys: string[];
}

/** What the push API answers (contract §2), with `errors` only when items were refused. */
export interface PushAnswer {
  success: boolean;
  count: number;
  errorMessage: string | null;
  errors?: ItemError[];
  /** Group pushes only: unknown member keys, per group. */
  skipped?: SkippedMembers[];
}

/** Every whole-request refusal: exactly success, count and errorMessage. */
export function sendRefusal(res: Response, status: number, errorMessage: string): void {
  sendAnswer(res, status, JSON.stringify({ success: false, count: 0, errorMessage } satisfies PushAnswer));
}

export function sendAnswer(res: Response, status: number, body: string): void {
  res.status(status).type("application/json").send(body);
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * The configured key `presented` equals, compared in constant time: both sides are hashed to
 * one length first, and every configured key is compared, so timing tells nothing of any key.
 */
export function matchKey(presented: string | undefined, keys: readonly string[]): string | undefined {
  if (presented === undefined) return undefined;
  const wanted = digest(presented);
  let found: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(wanted, digest(key)) && found === undefined) found = key;
  }
  return found;
}
