import "reflect-metadata";
import { DataSource } from "typeorm";
import { loadConfig } from "./src/config/config";
import { withEnvFile } from "./src/config/env-file";
import { dataSourceOptions } from "./src/db/data-source";

/**
 * The DataSource for the TypeORM CLI, from the same configuration the gateway reads (the
 * environment over `.env`): `npm run typeorm -- schema:log` (after `npm run build`).
 */
export const dataSource: Promise<DataSource> = dataSourceOptions(loadConfig(withEnvFile(process.env, process.cwd()).env).database).then(
  ({ options }) => new DataSource(options),
);
