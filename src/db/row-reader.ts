import type { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";

interface Shape {
  table: string;
  columns: ColumnMetadata[];
  /** `alias.col AS alias__col`, so joined tables never clash. */
  select: (alias: string) => string;
  /** Per column: its property, and whether the driver must convert the raw value. */
  fields: Array<{ property: string; name: string; column: ColumnMetadata; convert: boolean }>;
}

/** Column types whose raw values need the driver's conversion; text and numbers come back as they are. */
const CONVERTED = new Set<unknown>(["boolean", "bool", Boolean, "datetime", Date, "date", "json", "simple-json", "simple-array", "time"]);

/**
 * Reads entity rows with plain SQL and turns each column into its entity value with the driver's
 * own conversion (booleans, dates, instants). Hot read paths use it instead of TypeORM's
 * `find`, whose generic hydration costs far more than the query for pages of hundreds of rows.
 */
export class RowReader {
  private readonly shapes = new Map<EntityTarget<ObjectLiteral>, Shape>();

  constructor(private readonly dataSource: DataSource) {}

  escape(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  shape(entity: EntityTarget<ObjectLiteral>): Shape {
    let shape = this.shapes.get(entity);
    if (!shape) {
      const metadata = this.dataSource.getMetadata(entity);
      const columns = metadata.columns;
      shape = {
        table: this.escape(metadata.tableName),
        columns,
        fields: columns.map((column) => ({
          property: column.propertyName,
          name: column.databaseName,
          column,
          convert: CONVERTED.has(column.type) || column.transformer !== undefined,
        })),
        select: (alias) =>
          columns
            .map((column) => `${alias}.${this.escape(column.databaseName)} AS ${this.escape(`${alias}__${column.databaseName}`)}`)
            .join(", "),
      };
      this.shapes.set(entity, shape);
    }
    return shape;
  }

  /** The entity values of one aliased table out of a raw row. */
  hydrate<E extends ObjectLiteral>(entity: EntityTarget<E>, alias: string, row: Record<string, unknown>): E {
    const driver = this.dataSource.driver;
    const out: Record<string, unknown> = {};
    for (const field of this.shape(entity).fields) {
      const value = row[`${alias}__${field.name}`];
      out[field.property] = field.convert ? driver.prepareHydratedValue(value, field.column) : value;
    }
    return out as E;
  }

  /** Runs SQL with `?` placeholders (string and number parameters only). */
  query(sql: string, parameters: Array<string | number>): Promise<Array<Record<string, unknown>>> {
    return this.dataSource.query(sql, parameters);
  }

  placeholders(count: number): string {
    return Array.from({ length: count }, () => "?").join(", ");
  }
}
