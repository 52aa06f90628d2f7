import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

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
