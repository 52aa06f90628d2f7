import { readFileSync } from "node:fs";
import { z } from "zod";
import type { EnvReader } from "./env-readers";

/** What one purchased product grants: a community membership or a security-group membership. */
export interface PurchaseRule {
  productCode: string;
  /** Order statuses that count for this rule; empty uses the rule book's `statuses`. */
  statuses: string[];
  grant: { kind: "COMMUNITY"; key: string; name: string; type: string | null } | { kind: "SECURITY_GROUP"; key: string; name: string };
}

/** Product codes mapped to memberships (`PURCHASE_RULES`); part of every content hash. */
export interface PurchaseRules {
  /** Order statuses that count (case-insensitive), unless a rule names its own. */
  statuses: string[];
  rules: PurchaseRule[];
}

export const DEFAULT_PURCHASE_STATUSES = ["Active", "Paid", "Complete", "Completed"];

const word = (max: number) => z.string().trim().min(1).max(max);
const grantSchema = z.object({ key: word(100), name: word(200).optional() });
const ruleSchema = z
  .object({
    productCode: word(100),
    statuses: z.array(word(100)).optional(),
    community: grantSchema.extend({ type: word(100).optional() }).optional(),
    securityGroup: grantSchema.optional(),
  })
  .strict()
  .refine((rule) => (rule.community === undefined) !== (rule.securityGroup === undefined), {
    message: "each rule names exactly one of community or securityGroup",
  });
const listSchema = z.array(ruleSchema);
const bookSchema = z.object({ statuses: z.array(word(100)).min(1).optional(), rules: listSchema }).strict();

function toRule(parsed: z.output<typeof ruleSchema>): PurchaseRule {
  const grant = parsed.community
    ? {
        kind: "COMMUNITY" as const,
        key: parsed.community.key,
        name: parsed.community.name ?? parsed.community.key,
        type: parsed.community.type ?? null,
      }
    : { kind: "SECURITY_GROUP" as const, key: parsed.securityGroup!.key, name: parsed.securityGroup!.name ?? parsed.securityGroup!.key };
  return { productCode: parsed.productCode, statuses: parsed.statuses ?? [], grant };
}

/** Parses the JSON text of a rule book; throws a message naming the first bad field. */
export function parsePurchaseRules(text: string): PurchaseRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not JSON (${(error as Error).message})`);
  }
  // A bare list is the rules alone; parsed by its own schema so a problem names its own field.
  const result = Array.isArray(json) ? listSchema.safeParse(json) : bookSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  const book = Array.isArray(result.data) ? { rules: result.data } : result.data;
  return { statuses: book.statuses ?? DEFAULT_PURCHASE_STATUSES, rules: book.rules.map(toRule) };
}

/**
 * `PURCHASE_RULES`: the rule book as JSON (starting with `[` or `{`), or the path of a JSON file
 * holding it. Unset: no rules (purchases are stored and shown, nothing is derived).
 */
export function readPurchaseRules(read: EnvReader): PurchaseRules {
  const name = "PURCHASE_RULES";
  const empty = { statuses: DEFAULT_PURCHASE_STATUSES, rules: [] };
  const value = read.raw(name);
  if (value === undefined) return empty;
  let text = value;
  if (!value.startsWith("[") && !value.startsWith("{")) {
    try {
      text = readFileSync(value, "utf8");
    } catch (error) {
      read.problem(`${name} is neither JSON nor a readable file (${(error as NodeJS.ErrnoException).code ?? "unreadable"}: "${value}")`);
      return empty;
    }
  }
  try {
    return parsePurchaseRules(text);
  } catch (error) {
    read.problem(`${name} ${(error as Error).message}`);
    return empty;
  }
}
