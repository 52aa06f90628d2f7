import "reflect-metadata";
import { DataSource } from "typeorm";
import { loadConfig } from "./src/config/config";
import { dataSourceOptions } from "./src/db/data-source";

/**
 * The DataSource for the TypeORM CLI, from the same configuration the gateway reads:
 * `npm run typeorm -- schema:log` (after `npm run build`).
 */
export const dataSource: Promise<DataSource> = dataSourceOptions(loadConfig().database).then(
  ({ options }) => new DataSource(options),
);
