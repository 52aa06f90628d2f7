import { ConfigError } from "./config.error";
import { EnvReader } from "./env-readers";

/** Where `npm run import` sends the file, and the admin key it sends it with. */
export interface ImportCliConfig {
  gatewayUrl: string;
  adminKey: string;
}

/** GATEWAY_URL (default http://127.0.0.1:$PORT) and the first of ADMIN_API_KEYS. */
export function loadImportCliConfig(env: Record<string, string | undefined>): ImportCliConfig {
  const read = new EnvReader(env);
  const port = read.int("PORT", 4000, 1, 65535);
  const url = read.url("GATEWAY_URL", ["http:", "https:"]);
  const adminKey = read.list("ADMIN_API_KEYS")[0];
  if (adminKey === undefined) read.problem("ADMIN_API_KEYS must hold the admin key the import is sent with");
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return { gatewayUrl: (url?.toString() ?? `http://127.0.0.1:${port}/`).replace(/\/$/, ""), adminKey: adminKey! };
}
