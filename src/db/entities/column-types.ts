import type { ColumnOptions } from "typeorm";

/**
 * Column shapes shared by every entity, chosen to mean the same on MySQL/MariaDB and on
 * embedded SQLite so one set of migrations serves both without drift.
 */
export const keyColumn = () => ({ type: "varchar", length: 100 }) as const;
export const text = (length: number, nullable = true): ColumnOptions => ({ type: "varchar", length, nullable });
export const longText = (): ColumnOptions => ({ type: "text", nullable: true });
export const flag = (fallback = false): ColumnOptions => ({ type: "boolean", default: fallback });
/** A calendar date, held as `YYYY-MM-DD` text in code: no time zone can shift it. */
export const day = (): ColumnOptions => ({ type: "date", nullable: true });
/** An instant with millisecond precision, stored in UTC. */
export const instant = (nullable = false): ColumnOptions => ({ type: "datetime", precision: 3, nullable });
export const position = () => ({ type: "int" }) as const;
