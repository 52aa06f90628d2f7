import { type DataSource, type EntityTarget, type ObjectLiteral, QueryFailedError } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";

interface Field {
  property: string;
  name: string;
  /** `alias__column`, the key of this column in a raw row read through {@link Shape.select}. */
  key: (alias: string) => string;
  column: ColumnMetadata;
  convert: boolean;
}

interface Shape {
  table: string;
  columns: ColumnMetadata[];
  /** `alias.col AS alias__col`, so joined tables never clash; only `properties` when given. */
  select: (alias: string, properties?: ReadonlySet<string>) => string;
  /** Per column: its property, and whether the driver must convert the raw value. */
  fields: Field[];
  /** The escaped column of a property. */
  column: (property: string) => string;
}

/** Column types whose raw values need the driver's conversion; text and numbers come back as they are. */
const CONVERTED = new Set<unknown>(["boolean", "bool", Boolean, "datetime", Date, "date", "json", "simple-json", "simple-array", "time"]);

/** The mysql2 callback pool under TypeORM's MySQL driver. */
interface MysqlPool {
  query(sql: string, values: unknown[], callback: (error: Error | null, rows: unknown) => void): void;
}

/** Shapes depend only on the entity metadata: built once per data source, shared by every request. */
const SHAPES = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, Shape>>();

/** Value readers per data source, alias, entity and column set; shared like the shapes. */
const READERS = new WeakMap<DataSource, Map<string, { whole: RowValues | undefined; some: WeakMap<ReadonlySet<string>, RowValues> }>>();

/** Reads the values of one aliased table out of raw rows (see {@link RowReader.values}). */
export class RowValues {
  private readonly byProperty: Map<string, { key: string; convert: boolean; column: ColumnMetadata }>;

  constructor(
    private readonly driver: DataSource["driver"],
    alias: string,
    fields: readonly Field[],
  ) {
    this.byProperty = new Map(
      fields.map((field) => [field.property, { key: field.key(alias), convert: field.convert, column: field.column }]),
    );
  }

  /** The raw row's key of `property`, e.g. to group rows before mapping them. */
  keyOf(property: string): string {
    const field = this.byProperty.get(property);
    if (!field) throw new Error(`no column read for ${property}`);
    return field.key;
  }

  /** One property of a raw row, converted; a function of its own, so mappers take it as it is. */
  readonly of = (row: Record<string, unknown>, property: string): unknown => {
    const field = this.byProperty.get(property);
    if (field === undefined) return undefined;
    const value = row[field.key];
    return field.convert ? this.driver.prepareHydratedValue(value, field.column) : value;
  };
}

/**
 * Reads entity rows with plain SQL and turns each column into its entity value with the driver's
 * own conversion (booleans, dates, instants). Hot read paths use it instead of TypeORM's
 * `find`, whose generic hydration costs far more than the query for pages of hundreds of rows.
 * On MySQL the statement goes straight to TypeORM's mysql2 pool (same connections, same
 * settings, still reported to the data source's logger), skipping the query runner TypeORM
 * would build, broadcast through and wrap in a promise connection (a `require()`) per statement.
 */
export class RowReader {
  private readonly shapes: Map<EntityTarget<ObjectLiteral>, Shape>;
  private readonly pool: MysqlPool | undefined;
  private readonly readers: Map<string, { whole: RowValues | undefined; some: WeakMap<ReadonlySet<string>, RowValues> }>;

  constructor(readonly dataSource: DataSource) {
    let shapes = SHAPES.get(dataSource);
    if (!shapes) {
      shapes = new Map();
      SHAPES.set(dataSource, shapes);
    }
    this.shapes = shapes;
    let readers = READERS.get(dataSource);
    if (!readers) {
      readers = new Map();
      READERS.set(dataSource, readers);
    }
    this.readers = readers;
    const type = dataSource.options.type;
    const pool = (dataSource.driver as { pool?: MysqlPool }).pool;
    this.pool = (type === "mysql" || type === "mariadb") && typeof pool?.query === "function" ? pool : undefined;
  }

  escape(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  shape(entity: EntityTarget<ObjectLiteral>): Shape {
    let shape = this.shapes.get(entity);
    if (!shape) {
      shape = this.buildShape(entity);
      this.shapes.set(entity, shape);
    }
    return shape;
  }

  /** The entity values of one aliased table out of a raw row; only `properties` when given. */
  hydrate<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    alias: string,
    row: Record<string, unknown>,
    properties?: ReadonlySet<string>,
  ): E {
    const driver = this.dataSource.driver;
    const out: Record<string, unknown> = {};
    for (const field of this.shape(entity).fields) {
      if (properties && !properties.has(field.property)) continue;
      const value = row[field.key(alias)];
      out[field.property] = field.convert ? driver.prepareHydratedValue(value, field.column) : value;
    }
    return out as E;
  }

  /**
   * The entity values of one aliased table, read straight out of raw rows without building the
   * entity, converted as {@link hydrate} converts them; a property outside `properties` (when
   * given) reads as undefined, as it is absent from a partial entity. One per column set.
   */
  values(entity: EntityTarget<ObjectLiteral>, alias: string, properties?: ReadonlySet<string>): RowValues {
    const key = `${alias}\u0000${this.dataSource.getMetadata(entity).name}`;
    let byColumns = this.readers.get(key);
    if (!byColumns) {
      byColumns = { whole: undefined, some: new WeakMap() };
      this.readers.set(key, byColumns);
    }
    let values = properties ? byColumns.some.get(properties) : byColumns.whole;
    if (!values) {
      const fields = this.shape(entity).fields.filter((field) => !properties || properties.has(field.property));
      values = new RowValues(this.dataSource.driver, alias, fields);
      if (properties) byColumns.some.set(properties, values);
      else byColumns.whole = values;
    }
    return values;
  }

  /** Runs SQL with `?` placeholders (string and number parameters only). */
  query(sql: string, parameters: ReadonlyArray<unknown>): Promise<Array<Record<string, unknown>>> {
    const pool = this.pool;
    if (!pool) return this.dataSource.query(sql, [...parameters]);
    const values = [...parameters];
    this.dataSource.logger.logQuery(sql, values);
    return new Promise((resolve, reject) =>
      pool.query(sql, values, (error, rows) => {
        if (!error) return resolve(rows as Array<Record<string, unknown>>);
        this.dataSource.logger.logQueryError(error, sql, values);
        reject(new QueryFailedError(sql, values, error));
      }),
    );
  }

  placeholders(count: number): string {
    return Array.from({ length: count }, () => "?").join(", ");
  }

  private buildShape(entity: EntityTarget<ObjectLiteral>): Shape {
    const metadata = this.dataSource.getMetadata(entity);
    const columns = metadata.columns;
    const keys = new Map<string, Map<string, string>>();
    const keyOf = (alias: string, name: string) => {
      let byName = keys.get(alias);
      if (!byName) {
        byName = new Map();
        keys.set(alias, byName);
      }
      let key = byName.get(name);
      if (key === undefined) {
        key = `${alias}__${name}`;
        byName.set(name, key);
      }
      return key;
    };
    const fields = columns.map((column) => ({
      property: column.propertyName,
      name: column.databaseName,
      key: (alias: string) => keyOf(alias, column.databaseName),
      column,
      convert: CONVERTED.has(column.type) || column.transformer !== undefined,
    }));
    const selects = new Map<string, string>();
    // Callers that repeat a column set pass the same set (e.g. one per field of a document).
    const partial = new Map<string, WeakMap<ReadonlySet<string>, string>>();
    const selectOf = (alias: string, list: Field[]) =>
      list.map((field) => `${alias}.${this.escape(field.name)} AS ${this.escape(field.key(alias))}`).join(", ");
    return {
      table: this.escape(metadata.tableName),
      columns,
      fields,
      select: (alias, properties) => {
        if (properties) {
          let byColumns = partial.get(alias);
          if (!byColumns) {
            byColumns = new WeakMap();
            partial.set(alias, byColumns);
          }
          let some = byColumns.get(properties);
          if (some === undefined) {
            some = selectOf(
              alias,
              fields.filter((field) => properties.has(field.property)),
            );
            byColumns.set(properties, some);
          }
          return some;
        }
        let all = selects.get(alias);
        if (all === undefined) {
          all = selectOf(alias, fields);
          selects.set(alias, all);
        }
        return all;
      },
      column: (property) => {
        const field = fields.find((candidate) => candidate.property === property);
        if (!field) throw new Error(`${metadata.name} has no column for ${property}`);
        return this.escape(field.name);
      },
    };
  }
}
