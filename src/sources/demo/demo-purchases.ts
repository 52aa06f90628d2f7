import type { PurchaseRecord } from "../member-record";
import { ORDER_STATUSES, PRODUCTS } from "./demo-catalog";
import { addDays, hash32 } from "./demo-math";

/** Separates the purchase stream from the member and event streams of the same seed. */
const PURCHASE_STREAM = 3;

/**
 * Member `index`'s orders from the demo store: about a third of members bought something, a few
 * several products; some orders are cancelled, some terms have ended. Drawn from its own hash
 * stream, so adding purchases changed no other generated field.
 */
export function demoPurchases(seed: number, index: number, today: string): PurchaseRecord[] {
  const draw = (slot: number, modulo: number) => hash32(seed, PURCHASE_STREAM, index, slot) % modulo;
  if (draw(0, 3) !== 0) return [];
  const count = 1 + draw(1, 3);
  const purchases: PurchaseRecord[] = [];
  for (let line = 0; line < count; line++) {
    const product = PRODUCTS[(draw(2, PRODUCTS.length) + line) % PRODUCTS.length]!;
    if (purchases.some((purchase) => purchase.productCode === product.code)) continue;
    const orderDate = addDays(today, -draw(10 + line, 400));
    const status = ORDER_STATUSES[draw(20 + line, 10) === 0 ? 2 : draw(30 + line, 2)]!;
    purchases.push({
      productCode: product.code,
      productName: product.name,
      orderDate,
      status,
      quantity: product.termDays === null ? 1 + draw(40 + line, 2) : 1,
      termBegin: product.termDays === null ? null : orderDate,
      termEnd: product.termDays === null ? null : addDays(orderDate, product.termDays),
    });
  }
  return purchases;
}
