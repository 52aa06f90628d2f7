import type { TableColumnOptions } from "typeorm";

/**
 * Column shapes for migrations. They mirror `entities/column-types.ts` but are frozen here on
 * purpose: a migration must keep meaning what it meant when it shipped, whatever entities
 * become later.
 */
export const key = (name: string, isPrimary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: "100",
  isPrimary,
});
export const varchar = (name: string, length: number, isNullable = true): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable,
});
export const requiredText = (name: string, length: number, fallback: string): TableColumnOptions => ({
  ...varchar(name, length, false),
  default: `'${fallback}'`,
});
export const longText = (name: string): TableColumnOptions => ({ name, type: "text", isNullable: true });
export const flag = (name: string, fallback = false): TableColumnOptions => ({
  name,
  type: "boolean",
  // Numeric, as both databases report boolean defaults back; `false` would read as drift.
  default: fallback ? 1 : 0,
});
export const day = (name: string): TableColumnOptions => ({ name, type: "date", isNullable: true });
export const instant = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: "datetime",
  precision: 3,
  isNullable,
});
// "integer" is MySQL's int and SQLite's rowid-friendly integer: the spelling both report back.
export const position = (): TableColumnOptions => ({ name: "position", type: "integer", isPrimary: true });

/** Foreign keys always spell out both actions, as both databases report them back. */
export const cascade = { onDelete: "CASCADE", onUpdate: "NO ACTION" } as const;
