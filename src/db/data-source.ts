import { createHash } from "node:crypto";
import { createConnection } from "mysql2/promise";
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from "typeorm";
import type { DatabaseConfig } from "../config/config";
import { ENTITIES } from "./entities";
import { MIGRATIONS } from "./migrations";
import { SnakeNamingStrategy } from "./snake-naming.strategy";
import { SqliteFileLock } from "./sqlite-file.lock";
import { SqliteFileStore } from "./sqlite-file.store";

export interface DataSourceExtras {
  /** Receives every statement; the tests count them. */
  logger?: TypeOrmLogger;
  poolSize?: number;
  /**
   * Hears that this process lost its SQLite file lock. Default: throw, ending the process, since
   * going on would let two processes overwrite one file.
   */
  onSqliteLockLost?: (error: Error) => void;
}

/**
 * MySQL and MariaDB report column defaults differently, and TypeORM must know which it talks
 * to or it sees drift that is not there. Ask the server rather than trust the URL's scheme.
 */
export async function detectServerFlavor(url: string): Promise<"mysql" | "mariadb"> {
  const connection = await createConnection({ uri: url.replace(/^mariadb:/, "mysql:"), connectTimeout: 10_000 });
  try {
    const [rows] = await connection.query("SELECT VERSION() AS version");
    const version = String((rows as Array<{ version: string }>)[0]?.version ?? "");
    return version.toLowerCase().includes("mariadb") ? "mariadb" : "mysql";
  } finally {
    await connection.end();
  }
}

/** The options for either database; also used by `ormconfig.ts` for the TypeORM CLI. */
export async function dataSourceOptions(
  config: DatabaseConfig,
  extras: DataSourceExtras = {},
): Promise<{ options: DataSourceOptions; fileStore?: SqliteFileStore }> {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: "schema_migrations",
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logger: extras.logger,
    logging: extras.logger ? ["query", "error"] : false,
  } satisfies Partial<DataSourceOptions>;
  if (config.kind === "mysql") {
    const type = await detectServerFlavor(config.url);
    const url = config.url.replace(/^mariadb:/, "mysql:");
    return {
      options: {
        ...common,
        type,
        url,
        // Instants are stored in UTC whatever the server's zone; DATE columns come back as
        // text so no zone can move a membership's end date.
        timezone: "Z",
        dateStrings: ["DATE"],
        charset: "utf8mb4_unicode_ci",
        poolSize: extras.poolSize ?? 10,
      },
    };
  }
  const fileStore = new SqliteFileStore(config.file);
  return {
    fileStore,
    options: {
      ...common,
      type: "sqljs",
      location: config.file,
      autoSave: true,
      autoSaveCallback: (image: Uint8Array) => fileStore.save(image),
    },
  };
}

/** Longest a starting process waits for another's migrations. */
const MIGRATION_LOCK_WAIT_S = 300;

/**
 * A data source with its embedded-file flush, so shutdown never loses the last commits, and the
 * embedded file's single-process lock.
 */
export class Database {
  private fileLock: SqliteFileLock | undefined;

  private constructor(
    readonly dataSource: DataSource,
    readonly kind: DatabaseConfig["kind"],
    private readonly fileStore: SqliteFileStore | undefined,
    private readonly onSqliteLockLost: (error: Error) => void,
  ) {}

  static async create(config: DatabaseConfig, extras: DataSourceExtras = {}): Promise<Database> {
    const { options, fileStore } = await dataSourceOptions(config, extras);
    const onLost =
      extras.onSqliteLockLost ??
      ((error: Error) => {
        throw error;
      });
    return new Database(new DataSource(options), config.kind, fileStore, onLost);
  }

  /**
   * Connects and applies every pending migration. The embedded file is locked first (sql.js
   * reads it on connect), so a second process is refused before it reads or writes anything. On
   * MySQL the migrations run under a named lock for the database, so processes starting together
   * wait for the first one's migrations instead of racing it (MySQL cannot roll DDL back, so a
   * lost race would leave half a schema).
   */
  async open(): Promise<void> {
    if (this.fileStore) this.fileLock = await SqliteFileLock.acquire(this.fileStore.file, this.onSqliteLockLost);
    try {
      await this.dataSource.initialize();
      if (this.kind === "mysql") await this.withMigrationLock(() => this.dataSource.runMigrations({ transaction: "none" }));
      else await this.dataSource.runMigrations({ transaction: "all" });
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async withMigrationLock<T>(work: () => Promise<T>): Promise<T> {
    // GET_LOCK belongs to a connection: hold one for the whole of the migrations.
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [scope] = (await runner.query("SELECT DATABASE() AS name")) as Array<{ name: string | null }>;
      const lock = `amsgate:${createHash("sha256")
        .update(scope?.name ?? "")
        .digest("hex")
        .slice(0, 16)}:migrations`;
      const [row] = (await runner.query("SELECT GET_LOCK(?, ?) AS acquired", [lock, MIGRATION_LOCK_WAIT_S])) as Array<{
        acquired: unknown;
      }>;
      if (Number(row?.acquired) !== 1) {
        throw new Error(`another process held the migration lock for over ${MIGRATION_LOCK_WAIT_S} s; is a migration stuck?`);
      }
      try {
        return await work();
      } finally {
        await runner.query("SELECT RELEASE_LOCK(?)", [lock]);
      }
    } finally {
      await runner.release();
    }
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.fileStore?.flush();
    const fileLock = this.fileLock;
    this.fileLock = undefined;
    await fileLock?.release();
  }

  /** Reachable, and no migration left to run. */
  async isReady(): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    await this.dataSource.query("SELECT 1");
    return !(await this.dataSource.showMigrations());
  }
}
