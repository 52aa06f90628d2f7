import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { SqlValue, SqlWriter } from "../../db/sql-writer";

/**
 * Adds "after this row" to a query ordered by `columns` (all ascending, or all descending),
 * spelled out as nested OR/AND rather than a row-value comparison so both MySQL and SQLite
 * plan it on the index.
 */
export function whereAfter<E extends ObjectLiteral>(
  query: SelectQueryBuilder<E>,
  columns: string[],
  values: ReadonlyArray<string | number | Date>,
  prefix = "after",
  direction: "ASC" | "DESC" = "ASC",
): SelectQueryBuilder<E> {
  const beyond = direction === "ASC" ? ">" : "<";
  const parameters: Record<string, string | number | Date> = {};
  columns.forEach((_, index) => {
    parameters[`${prefix}${index}`] = values[index] as string | number | Date;
  });
  const clause = (index: number): string => {
    const column = columns[index];
    const greater = `${column} ${beyond} :${prefix}${index}`;
    if (index === columns.length - 1) return greater;
    return `(${greater} OR (${column} = :${prefix}${index} AND ${clause(index + 1)}))`;
  };
  return query.andWhere(clause(0), parameters);
}

/** Escapes LIKE wildcards; pair with `ESCAPE '!'`, a character both databases accept. */
export function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (character) => `!${character}`)}%`;
}

/**
 * {@link whereAfter} as text for a statement written by hand: `columns` are SQL expressions,
 * each value bound where it appears.
 */
export function afterCondition(
  sql: SqlWriter,
  columns: readonly string[],
  values: ReadonlyArray<SqlValue>,
  direction: "ASC" | "DESC" = "ASC",
): string {
  const beyond = direction === "ASC" ? ">" : "<";
  const clause = (index: number): string => {
    const column = columns[index]!;
    const value = values[index] as SqlValue;
    if (index === columns.length - 1) return `${column} ${beyond} ${sql.bind(value)}`;
    return `(${column} ${beyond} ${sql.bind(value)} OR (${column} = ${sql.bind(value)} AND ${clause(index + 1)}))`;
  };
  return clause(0);
}
