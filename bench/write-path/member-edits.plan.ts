import { faker } from "@faker-js/faker/locale/en_US";
import type { DemoAssociation } from "../../src/sources/demo/demo-association";
import { applyDemoEdit, type SimulatedChangeKind } from "../../src/sources/demo/demo-edits";

/** The change simulator's kinds, removals left out so both sides write the same kind of change. */
const KINDS: Array<Exclude<SimulatedChangeKind, "removal">> = [
  "contact",
  "join-committee",
  "contact",
  "leave-committee",
  "renewal",
  "contact",
  "lapse",
  "deactivation",
  "reactivation",
  "contact",
];

/**
 * Edits `count` members spread evenly over the association, the same way in every process that
 * calls it (faker seeded per edit), as staff would in the AMS: each edit stamps the member's
 * LastUpdated with the association clock's now. Returns the edited keys.
 */
export function applyMemberEdits(association: DemoAssociation, count: number): string[] {
  const step = Math.max(1, Math.floor(association.size / count));
  const today = association.currentDay();
  const keys: string[] = [];
  for (let n = 0; n < count && n * step < association.size; n += 1) {
    const memberKey = association.keyAt(n * step);
    const kind = KINDS[n % KINDS.length]!;
    faker.seed([association.seed, 7, n]);
    association.update(memberKey, (record) => applyDemoEdit(kind, record, today) ?? applyDemoEdit("contact", record, today)!);
    keys.push(memberKey);
  }
  return keys;
}
