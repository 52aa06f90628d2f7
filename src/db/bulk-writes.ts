import { type EntityManager, type EntityTarget, In, type ObjectLiteral } from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity";

/** Rows per multi-row statement: well inside MySQL's and SQLite's parameter limits. */
const ROWS_PER_STATEMENT = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function columnNames(manager: EntityManager, entity: EntityTarget<ObjectLiteral>, properties: string[]): string[] {
  const metadata = manager.connection.getMetadata(entity);
  return properties.map((property) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${metadata.name} has no column for ${property}`);
    return column.databaseName;
  });
}

/**
 * Multi-row inserts: one statement per few hundred rows, never one per row. `onConflict`
 * chooses what happens to a row whose key exists: fail, be left alone, or have `update`
 * overwritten (MySQL ON DUPLICATE KEY UPDATE, SQLite ON CONFLICT DO UPDATE).
 */
export async function insertMany<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  rows: readonly QueryDeepPartialEntity<E>[],
  onConflict: { ignore: true } | { update: string[]; keys: string[] } | null = null,
): Promise<void> {
  for (const part of chunks(rows, ROWS_PER_STATEMENT)) {
    const query = manager
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(part as QueryDeepPartialEntity<E>[])
      // No RETURNING or follow-up SELECT: callers never read generated values back.
      .updateEntity(false);
    if (onConflict && "ignore" in onConflict) query.orIgnore();
    if (onConflict && "update" in onConflict) {
      query.orUpdate(columnNames(manager, entity, onConflict.update), columnNames(manager, entity, onConflict.keys));
    }
    await query.execute();
  }
}

/** Deletes every row whose `property` is one of `keys`, a few hundred keys per statement. */
export async function deleteWhereIn<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  property: keyof E & string,
  keys: readonly string[],
): Promise<void> {
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    await manager.delete(entity, { [property]: In(part) } as never);
  }
}

/** Reads every row whose `property` is one of `keys`. */
export async function findWhereIn<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  property: keyof E & string,
  keys: readonly string[],
): Promise<E[]> {
  const out: E[] = [];
  for (const part of chunks(keys, ROWS_PER_STATEMENT)) {
    out.push(...(await manager.find(entity, { where: { [property]: In(part) } as never })));
  }
  return out;
}

export { chunks };
