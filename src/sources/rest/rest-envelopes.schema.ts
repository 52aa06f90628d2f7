import { z } from "zod";
import { parseWireDate, WIRE_DATE_FORMAT } from "../member-info/wire-dates";
import { describeValue, requiredKey } from "../member-info/wire-values";

/**
 * The envelopes of contract §1 around records. An envelope that does not match fails the whole
 * call (nothing in it can be trusted); the records inside are validated one by one elsewhere.
 */

/** Kept as the AMS sent it (sync hands it back as `since`), but it must be a readable instant. */
const lastUpdatedText = () =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): string => {
      const result = typeof value === "string" ? parseWireDate(value) : undefined;
      if (result?.ok && result.value !== null) return (value as string).trim();
      ctx.issues.push({ code: "custom", message: `expected an instant (${WIRE_DATE_FORMAT}), got ${describeValue(value)}`, input: value });
      return z.NEVER;
    });

/** An opaque cursor; blank means no further page. */
const nextCursor = () =>
  z
    .string()
    .nullish()
    .transform((next) => (next && next.trim() !== "" ? next : null));

export const changedMembersPageSchema = z.object({
  changes: z.array(z.object({ MemberKey: requiredKey(), LastUpdated: lastUpdatedText() })),
  next: nextCursor(),
});

export const membersAnswerSchema = z.object({
  items: z.array(z.unknown()),
  missing: z
    .array(requiredKey())
    .nullish()
    .transform((keys) => keys ?? []),
});

export const changedEventsPageSchema = z.object({
  items: z.array(z.unknown()),
  next: nextCursor(),
});

export const memberKeyAnswerSchema = z.object({ MemberKey: requiredKey() });
