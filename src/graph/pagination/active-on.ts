import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** SQL twin of `isActiveOn`: a term that has begun and not ended on `day` (both ends inclusive). */
export function whereActiveOn<E extends ObjectLiteral>(query: SelectQueryBuilder<E>, alias: string, day: string): SelectQueryBuilder<E> {
  return query.andWhere(
    `(${alias}.beginDate IS NULL OR ${alias}.beginDate <= :activeOn) AND (${alias}.endDate IS NULL OR ${alias}.endDate >= :activeOn)`,
    { activeOn: day },
  );
}
