import type { PurchaseRule, PurchaseRules } from "../config/purchase-rules.config";
import type { PurchaseRecord } from "../sources/member-record";

const folded = (text: string | null) => (text ?? "").trim().toLowerCase();

/** A membership a purchase grants under a rule, with the purchase's term. */
export interface PurchaseGrant {
  productCode: string;
  grant: PurchaseRule["grant"];
  beginDate: string | null;
  endDate: string | null;
}

/**
 * The memberships a member's purchases grant: each purchase whose product a rule names and whose
 * status counts, for the purchase term (from the term begin, or the order date when the AMS sends
 * no term; no end means it does not lapse). Pure: the same purchases always give the same grants.
 */
export function purchaseGrants(purchases: readonly PurchaseRecord[], book: PurchaseRules): PurchaseGrant[] {
  if (book.rules.length === 0) return [];
  const grants: PurchaseGrant[] = [];
  for (const purchase of purchases) {
    if (purchase.quantity <= 0) continue;
    for (const rule of book.rules) {
      if (folded(rule.productCode) !== folded(purchase.productCode)) continue;
      const statuses = rule.statuses.length > 0 ? rule.statuses : book.statuses;
      if (!statuses.some((status) => folded(status) === folded(purchase.status))) continue;
      grants.push({
        productCode: purchase.productCode,
        grant: rule.grant,
        beginDate: purchase.termBegin ?? purchase.orderDate,
        endDate: purchase.termEnd,
      });
    }
  }
  return grants;
}
