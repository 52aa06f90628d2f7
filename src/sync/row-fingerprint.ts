import { hash } from "node:crypto";

/**
 * The text a member's rows are hashed by (content hash, list hashes): each written column's
 * value in a fixed order, every value self-delimiting, so two different row sets never give the
 * same text. It replaced `JSON.stringify` of the rows, which took about 2.4 times as long per
 * member (an instant's `toJSON` alone about 2.6 µs) and depended on the order keys were added.
 */

/**
 * Every key of `Row`, each once: a column added to a row type and missing from its list fails
 * to compile, so no written column is ever left out of the hash (a change to it would be missed).
 */
export function everyField<Row>() {
  return <const Keys extends ReadonlyArray<keyof Row & string>>(
    keys: Keys & (Exclude<keyof Row, Keys[number]> extends never ? unknown : { missing: Exclude<keyof Row, Keys[number]> }),
  ): Keys => keys;
}

/**
 * One value: a type tag, then the value; text carries its length, numbers and instants end
 * with `;`. Any other type is a programming error, not data, and fails loudly.
 */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return "~";
  switch (typeof value) {
    case "string":
      return `s${value.length}:${value}`;
    case "boolean":
      return value ? "t" : "f";
    case "number":
      return `n${value};`;
    default:
      if (value instanceof Date) return `d${value.getTime()};`;
      throw new TypeError(`a row value of type ${typeof value} cannot be fingerprinted`);
  }
}

/** The fields of one row, in `fields` order. */
export function rowText<Row>(row: Row, fields: ReadonlyArray<keyof Row & string>): string {
  let text = "";
  for (let index = 0; index < fields.length; index += 1) text += valueText(row[fields[index]!]);
  return text;
}

/**
 * The rows of one list, in order. Rows have a fixed number of fields, so the text of two lists
 * of the same table joined is the text of the joined list; the empty list is "".
 */
export function listText<Row>(rows: readonly Row[], fields: ReadonlyArray<keyof Row & string>): string {
  let text = "";
  for (const row of rows) text += rowText(row, fields);
  return text;
}

/** A list's stored hash: 64 bits of SHA-256 (one-shot; a Hash object per list cost four times as much). */
export function listHash(text: string): string {
  return text === "" ? EMPTY_LIST_HASH : hash("sha256", text, "hex").slice(0, 16);
}

/** The hash of every empty list, computed once: most members have several. */
export const EMPTY_LIST_HASH = hash("sha256", "", "hex").slice(0, 16);

/** The member's content hash over `parts` (each list's text closed by `]`, which no value starts with). */
export function contentHash(prefix: string, parts: readonly string[]): string {
  return hash("sha256", `${prefix}${parts.join("]")}]`, "hex");
}
