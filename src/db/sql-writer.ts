import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { AbstractSqliteDriver } from "typeorm/driver/sqlite-abstract/AbstractSqliteDriver";
import { DateUtils } from "typeorm/util/DateUtils";

/** A value a condition compares with; bound, never spliced into the text. */
export type SqlValue = string | number | boolean | Date;

/** ` WHERE a AND b …` of `conditions`, or nothing when there are none. */
export function whereOf(conditions: readonly string[]): string {
  return conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
}

/**
 * Writes conditions as SQL text for one statement: columns by their escaped database names,
 * values through `bind`, called in the order the placeholders appear in the text.
 */
export interface SqlWriter {
  /** The placeholder for `value`. */
  bind(value: SqlValue): string;
  /** `alias.column` of an entity property. */
  column(entity: EntityTarget<ObjectLiteral>, alias: string, property: string): string;
  /** The escaped table of an entity. */
  table(entity: EntityTarget<ObjectLiteral>): string;
}

/** Escaped column and table names per data source, built once from the entity metadata. */
const NAMES = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, { table: string; columns: Map<string, string> }>>();

function namesOf(dataSource: DataSource, entity: EntityTarget<ObjectLiteral>) {
  let byEntity = NAMES.get(dataSource);
  if (!byEntity) {
    byEntity = new Map();
    NAMES.set(dataSource, byEntity);
  }
  let names = byEntity.get(entity);
  if (!names) {
    const metadata = dataSource.getMetadata(entity);
    const quote = (name: string) => dataSource.driver.escape(name);
    names = {
      table: quote(metadata.tableName),
      columns: new Map(metadata.columns.map((column) => [column.propertyName, quote(column.databaseName)])),
    };
    byEntity.set(entity, names);
  }
  return names;
}

abstract class NamedColumns {
  constructor(protected readonly dataSource: DataSource) {}

  column(entity: EntityTarget<ObjectLiteral>, alias: string, property: string): string {
    const column = namesOf(this.dataSource, entity).columns.get(property);
    if (column === undefined) throw new Error(`${this.dataSource.getMetadata(entity).name} has no column for ${property}`);
    return `${alias}.${column}`;
  }

  table(entity: EntityTarget<ObjectLiteral>): string {
    return namesOf(this.dataSource, entity).table;
  }
}

/**
 * A statement sent as text with `?` placeholders. Values are bound as TypeORM's driver would bind
 * them for this database: SQLite has no booleans and stores instants as UTC text; mysql2 takes
 * both as they are (its connection is set to UTC).
 */
export class PositionalSql extends NamedColumns implements SqlWriter {
  readonly values: unknown[] = [];
  private readonly sqlite: boolean;

  constructor(dataSource: DataSource) {
    super(dataSource);
    this.sqlite = dataSource.driver instanceof AbstractSqliteDriver;
  }

  bind(value: SqlValue): string {
    if (this.sqlite && typeof value === "boolean") this.values.push(+value);
    else if (this.sqlite && value instanceof Date) this.values.push(DateUtils.mixedDateToUtcDatetimeString(value));
    else this.values.push(value);
    return "?";
  }

  /** `?, ?, …` for each of `values`. */
  list(values: ReadonlyArray<SqlValue>): string {
    return values.map((value) => this.bind(value)).join(", ");
  }
}
